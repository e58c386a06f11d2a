// Progressive enhancement for the consultation pages: add goal rows, print the consent form.
(function () {
  "use strict";
  var rows = document.querySelector(".goal-rows");
  var add = document.querySelector(".add-goal");
  if (rows && add) {
    var max = parseInt(rows.getAttribute("data-max") || "20", 10);
    add.hidden = false;
    add.addEventListener("click", function () {
      var all = rows.querySelectorAll(".goal-row");
      if (all.length >= max) { add.disabled = true; return; }
      var last = all[all.length - 1];
      var index = all.length;
      var copy = last.cloneNode(true);
      copy.setAttribute("data-index", String(index));
      copy.querySelector(".goal-number").textContent = String(index + 1);
      copy.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
      copy.querySelectorAll("label, select").forEach(function (el) {
        ["for", "id", "name"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/^goal-\d+-/, "goal-" + index + "-")); }
        });
        el.removeAttribute("aria-invalid");
        el.removeAttribute("aria-describedby");
        if (el.tagName === "SELECT") { el.value = ""; }
      });
      rows.appendChild(copy);
      copy.querySelector("select").focus();
      if (index + 1 >= max) { add.disabled = true; }
    });
  }
  var print = document.querySelector(".print-consent");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
