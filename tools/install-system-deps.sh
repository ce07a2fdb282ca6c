#!/usr/bin/env bash
# Installs the system packages reportkit uses outside Python:
#   chromium      headless browser: PDF printing and the browser tests
#   poppler-utils pdftotext / pdftoppm: PDF checks
#   fonts-dejavu-core  fonts that carry every Vietnamese letter (screen, charts)
#   libreoffice-writer-nogui  LibreOffice Writer, headless: opens the Word draft (--format docx)
#                 and converts it to PDF in the tests (soffice --headless --convert-to pdf)
#   fonts-liberation2  Liberation Serif: Times New Roman's metrics and every Vietnamese letter,
#                      the official documents' print font (embedded in each PDF; the Word draft)
# With --optional a failure is reported but does not stop the caller (HTML export never needs these).
set -u
optional=0; [[ ${1:-} == --optional ]] && optional=1
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
# soffice alone (libreoffice-core) cannot open a .docx: Writer registers writer.xcd.
{ command -v soffice >/dev/null 2>&1 && { [[ -f /usr/lib/libreoffice/share/registry/writer.xcd ]] \
    || [[ -f /usr/lib/libreoffice/share/.registry/writer.xcd ]]; }; } || missing+=(libreoffice-writer-nogui)
[[ -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ]] || missing+=(fonts-liberation2)
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing system packages: ${missing[*]}"
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/reportkit-apt.log 2>&1; then
    exit 0
  fi
  echo "apt-get failed; see /tmp/reportkit-apt.log" >&2
fi
cat >&2 <<MSG
reportkit needs these system packages for PDF export, the Word draft's checks and the browser tests: ${missing[*]}
Install them, for example on Debian/Ubuntu:
    sudo apt-get install chromium poppler-utils fonts-dejavu-core libreoffice-writer-nogui fonts-liberation2
(on Ubuntu, chromium may come as a snap; any Chromium or Chrome works: set REPORTKIT_CHROMIUM=/path/to/chrome)
MSG
((optional)) && exit 0 || exit 1
