#!/usr/bin/env bash
# Vendors the offline widget renderer used by reportkit's HTML export.
#
# What: dist/embed.js of @jupyter-widgets/html-manager, the standalone (no require.js) build
# that ipywidgets' own `embed` module points at. ipywidgets 8.1.9 declares
# __html_manager_version__ = '^1.0.1'; the newest matching release is 1.0.15, which is
# pinned below. Everything comes from the npm registry through `npm pack`; the tarball is
# checked against the registry's published sha512 integrity before anything is copied.
#
# Output (src/reportkit/vendor/html-manager/):
#   embed-<version>.js               upstream dist/embed.js, byte for byte (not patched)
#   embed-<version>.js.LICENSE.txt   upstream notices of the third-party code in the bundle
#   LICENSE                          the BSD-3-Clause licence of ipywidgets/html-manager
#   fonts/*.woff2                    Font Awesome 5 fonts the bundle's CSS refers to
#   MANIFEST.json                    versions, ipywidgets mapping, integrity and sha256 sums
#
# Re-run after changing the pins; then run the tests (tests/test_export.py checks the sums).
# Usage: tools/vendor-widgets.sh [--check]   (--check: verify only, write nothing)
set -euo pipefail

IPYWIDGETS_VERSION="8.1.9"
PACKAGE="@jupyter-widgets/html-manager"
VERSION="1.0.15"
INTEGRITY="sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA=="

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/src/reportkit/vendor/html-manager"
check=0; [[ ${1:-} == --check ]] && check=1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
( cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null )
tgz="$(ls "$work"/*.tgz)"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [[ "$got" != "$INTEGRITY" ]]; then
  echo "integrity mismatch for $PACKAGE@$VERSION: $got" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$work"
pkg="$work/package"
# The bundle's CSS names its font files relative to webpack's public path; keep the woff2 ones
# (every browser that runs the bundle reads woff2, so the other formats are never fetched).
mapfile -t fonts < <(cd "$pkg/dist" && ls ./*.woff2 | sed 's|^\./||')

if ((check)); then
  cmp "$pkg/dist/embed.js" "$dest/embed-$VERSION.js"
  for f in "${fonts[@]}"; do cmp "$pkg/dist/$f" "$dest/fonts/$f"; done
  echo "vendored $PACKAGE@$VERSION matches the registry"
  exit 0
fi

rm -rf "$dest"
mkdir -p "$dest/fonts"
cp "$pkg/dist/embed.js" "$dest/embed-$VERSION.js"
cp "$pkg/dist/embed.js.LICENSE.txt" "$dest/embed-$VERSION.js.LICENSE.txt"
for f in "${fonts[@]}"; do cp "$pkg/dist/$f" "$dest/fonts/$f"; done
# The npm tarball carries no LICENSE file; package.json says BSD-3-Clause. The text is the
# one ipywidgets (same repository, same authors) ships in its wheel.
"$root/.venv/bin/python" - "$dest/LICENSE" <<'PY'
import sys
from importlib.metadata import distribution
dist = distribution("ipywidgets")
lic = next(f for f in dist.files if f.name == "LICENSE")
text = lic.read_text()
header = ("@jupyter-widgets/html-manager is part of the ipywidgets project "
          "(https://github.com/jupyter-widgets/ipywidgets), licensed BSD-3-Clause:\n\n")
fonts = ("\nThe bundled Font Awesome Free 5 fonts (fonts/*.woff2) are licensed under the "
         "SIL OFL 1.1; their CSS is MIT (https://fontawesome.com/license/free).\n"
         "Third-party code inside the bundle is listed with its licences in "
         "embed-*.js.LICENSE.txt.\n")
open(sys.argv[1], "w").write(header + text + fonts)
PY
"$root/.venv/bin/python" - "$dest" "$PACKAGE" "$VERSION" "$INTEGRITY" "$IPYWIDGETS_VERSION" <<'PY'
import hashlib, json, sys
from pathlib import Path
dest, package, version, integrity, ipyw = sys.argv[1:]
dest = Path(dest)
def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()
manifest = {
    "package": package,
    "version": version,
    "license": "BSD-3-Clause",
    "source": f"npm pack {package}@{version}",
    "npm_integrity": integrity,
    "ipywidgets": {ipyw: version},
    "files": {str(p.relative_to(dest)): sha(p) for p in sorted(dest.rglob("*"))
              if p.is_file() and p.name != "MANIFEST.json"},
}
(dest / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
PY
echo "vendored $PACKAGE@$VERSION into ${dest#"$root"/}"
