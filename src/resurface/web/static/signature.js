// The signature pad: strokes drawn with a finger, pen or mouse are kept as points from 0 to 1
// (x across, y down) and sent as JSON in the form's "strokes" field; the server draws them.
(function () {
  "use strict";
  var canvas = document.getElementById("signature");
  var field = document.getElementById("strokes");
  if (!canvas || !field) { return; }
  var context = canvas.getContext("2d");
  var strokes = [];
  var current = null;

  function fit() {
    var ratio = window.devicePixelRatio || 1;
    var box = canvas.getBoundingClientRect();
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    redraw();
  }

  function point(event) {
    var box = canvas.getBoundingClientRect();
    var x = (event.clientX - box.left) / box.width;
    var y = (event.clientY - box.top) / box.height;
    return [Math.round(Math.min(Math.max(x, 0), 1) * 1000) / 1000,
            Math.round(Math.min(Math.max(y, 0), 1) * 1000) / 1000];
  }

  function redraw() {
    var box = canvas.getBoundingClientRect();
    context.clearRect(0, 0, box.width, box.height);
    context.lineWidth = 2.2;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";
    strokes.forEach(function (stroke) {
      context.beginPath();
      stroke.forEach(function (p, i) {
        var x = p[0] * box.width, y = p[1] * box.height;
        if (i === 0) { context.moveTo(x, y); } else { context.lineTo(x, y); }
      });
      if (stroke.length === 1) { context.lineTo(stroke[0][0] * box.width + 0.5, stroke[0][1] * box.height); }
      context.stroke();
    });
    field.value = strokes.length ? JSON.stringify(strokes) : "";
  }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = [point(event)];
    strokes.push(current);
    redraw();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!current) { return; }
    event.preventDefault();
    current.push(point(event));
    redraw();
  });
  function end() { current = null; }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  var clear = document.querySelector(".clear-signature");
  if (clear) {
    clear.addEventListener("click", function () { strokes = []; current = null; redraw(); });
  }
  window.addEventListener("resize", fit);
  fit();
})();
