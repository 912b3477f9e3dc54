// The welfare filing form: shows only the chosen kind's fieldset (困难补助, 五必访 ...).
// Progressive enhancement: without this script every kind's fieldset shows, each named
// in its legend, and the server keeps only the chosen kind's fields. The hidden fieldsets
// are disabled too, so what they hold is neither submitted nor reached by the Tab key.
(function () {
  "use strict";

  var form = document.querySelector("[data-welfare-form]");
  if (!form) return;
  var kind = form.querySelector("select[name=kind]");
  var sets = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-kind]"));
  if (!kind || !sets.length) return;

  function show() {
    sets.forEach(function (set) {
      var mine = set.getAttribute("data-kind") === kind.value;
      set.hidden = !mine;
      set.disabled = !mine;
    });
  }

  kind.addEventListener("change", show);
  show();
})();
