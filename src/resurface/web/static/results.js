// Progressive enhancement of the results page: a before/after slider and a print button.
// Without JavaScript the photos stay side by side and the browser's print works as usual.
(function () {
  "use strict";

  function slider(box) {
    var figures = box.querySelectorAll("figure");
    if (figures.length !== 2) { return; }
    var after = figures[1];
    var control = document.createElement("div");
    control.className = "slider-control";
    var label = document.createElement("label");
    label.htmlFor = "before-after-slider";
    label.textContent = "Before / after";
    var input = document.createElement("input");
    input.type = "range";
    input.id = "before-after-slider";
    input.min = "0";
    input.max = "100";
    input.value = "50";
    input.setAttribute("aria-valuetext", "half before, half after");
    function update() {
      var shown = Number(input.value);
      after.style.clipPath = "inset(0 0 0 " + shown + "%)";
      input.setAttribute("aria-valuetext", shown + " percent before");
    }
    input.addEventListener("input", update);
    control.appendChild(label);
    control.appendChild(input);
    box.classList.add("slider");
    box.parentNode.insertBefore(control, box.nextSibling);
    update();
  }

  function ready() {
    var boxes = document.querySelectorAll("[data-compare]");
    for (var i = 0; i < boxes.length; i += 1) { slider(boxes[i]); }
    var print = document.getElementById("print-report");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
