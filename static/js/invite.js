// The invite form's search box: narrows the delegate check boxes to those the server's
// people search (org:people_search: name, pinyin, initials) finds as the user types.
// Progressive enhancement: without this script the box stays hidden and the whole list,
// in 姓氏笔画 order, is the form. Checked delegates always stay visible.
(function () {
  "use strict";

  var box = document.querySelector("[data-invite-search]");
  if (!box || !window.fetch) return;
  var form = box.closest("form");
  var input = box.querySelector("input[type=search]");
  var status = box.querySelector("[role=status]");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][name=delegates]"));
  if (!input || !boxes.length) return;

  var timer = null;
  var latest = 0;

  function row(checkbox) {
    // Django's CheckboxSelectMultiple: <div><label><input> name</label></div> per choice.
    return checkbox.closest("label").parentElement;
  }

  function show(ids) {
    var shown = 0;
    boxes.forEach(function (checkbox) {
      var visible = ids === null || ids.has(checkbox.value) || checkbox.checked;
      row(checkbox).hidden = !visible;
      if (visible) shown += 1;
    });
    if (ids === null) {
      status.textContent = "";
    } else if (shown) {
      status.textContent = status.dataset.found.replace("%(count)s", String(shown));
    } else {
      status.textContent = status.dataset.none;
    }
  }

  function search() {
    var q = input.value.trim();
    if (!q) {
      show(null);
      return;
    }
    var ticket = ++latest;
    fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (people) {
        if (ticket !== latest) return; // an answer to an older query
        show(new Set(people.map(function (p) { return String(p.id); })));
      })
      .catch(function () {
        if (ticket === latest) show(null); // on any failure, the full list
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  // Enter in the search box searches; it must not send the invitations.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timer);
      search();
    }
  });
  box.hidden = false;
})();
