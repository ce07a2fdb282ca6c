/* The recipients' catalogue: filter the rows by the selects (each matches a data-* attribute
   of the row, a space-separated list) and by the words typed (every word must appear in the
   row's text; accents and case do not matter). The form is hidden until this runs, so
   without JavaScript the whole list shows. Loads nothing; no eval, no inline handlers. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("reports");
  if (!form || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
  var search = form.querySelector("input[type=search]");
  var count = document.getElementById("count");
  var none = document.getElementById("none");
  var lang = document.documentElement.lang || "vi";
  function fold(s) {
    return s.replace(/\u0111/g, "d").replace(/\u0110/g, "D").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var texts = rows.map(function (row) { return fold(row.textContent); });
  function matches(row, select) {
    var have = " " + (row.getAttribute("data-" + select.name) || "") + " ";
    return !select.value || have.indexOf(" " + select.value + " ") >= 0;
  }
  function apply() {
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row, i) {
      var ok = selects.every(function (s) { return matches(row, s); }) &&
        words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      row.hidden = !ok;
      shown += ok ? 1 : 0;
    });
    count.textContent = count.getAttribute("data-text")
      .replace("{shown}", shown.toLocaleString(lang))
      .replace("{total}", rows.length.toLocaleString(lang));
    table.hidden = shown === 0;
    none.hidden = shown > 0;
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  window.addEventListener("pageshow", apply);
  form.hidden = false;
  apply();
}());
