// The photo form: rows of a file and its region. With JavaScript, empty rows beyond the first are
// hidden, "Add another photo" shows one more, a picker (or a drop) of several files fills a row
// for each, and the form is sent with a progress bar. Without it, the plain rows still work.
(function () {
  "use strict";
  var form = document.querySelector("form.photo-rows");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var list = form.querySelector(".photo-rows-list");
  var zone = form.querySelector(".dropzone");
  var several = form.querySelector(".several");
  var severalInput = form.querySelector(".several-input");
  var addRow = form.querySelector(".add-row");
  var bar = form.querySelector(".upload-progress");
  var status = form.querySelector(".upload-status");
  var submit = form.querySelector("button[type=submit]");
  var maxRows = parseInt(form.getAttribute("data-max-rows"), 10) || 8;
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var canSetFiles = typeof window.DataTransfer === "function";

  function rows() { return Array.prototype.slice.call(list.querySelectorAll(".photo-row")); }
  function fileInput(row) { return row.querySelector("input[type=file]"); }
  // A row still waiting for a file (a refused row too: its file must be chosen again).
  function isEmpty(row) {
    var input = fileInput(row);
    return !!input && !(input.files && input.files.length);
  }

  // A new row like the first open one, numbered after the last.
  function newRow() {
    var all = rows();
    if (all.length >= maxRows) { return null; }
    var model = all.filter(function (r) { return fileInput(r); })[0];
    if (!model) { return null; }
    var index = all.length;
    var row = model.cloneNode(true);
    row.className = "photo-row";
    row.setAttribute("data-index", String(index));
    row.hidden = false;
    row.querySelector("legend").textContent = "Photo " + (index + 1);
    Array.prototype.forEach.call(row.querySelectorAll("[id], [name], label[for]"), function (el) {
      ["id", "name", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(/^photos-\d+-/, "photos-" + index + "-")); }
      });
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (el) { el.remove(); });
    fileInput(row).value = "";
    var cloned = row.querySelector(".capture-guide");
    if (cloned) {
      cloned.querySelector(".camera").hidden = true;
      cloned.querySelector(".open-camera").hidden = !canFilm;
      cloned.querySelector(".capture-verdict").textContent = "";
    }
    Array.prototype.forEach.call(row.querySelectorAll("option"), function (option) {
      option.selected = option.defaultSelected;
    });
    list.appendChild(row);
    return row;
  }

  function showNextRow() {
    var hidden = rows().filter(function (r) { return r.hidden; })[0];
    var row = hidden || newRow();
    if (row) { row.hidden = false; }
    updateAdd();
    return row;
  }

  function updateAdd() {
    var full = rows().length >= maxRows && rows().every(function (r) { return !r.hidden; });
    addRow.hidden = full;
  }

  // Put each file in the next empty row (adding rows as needed) and move focus to its region.
  function fill(files) {
    var placed = 0;
    var first = null;
    Array.prototype.forEach.call(files, function (file) {
      var row = rows().filter(function (r) { return isEmpty(r); })[0];
      if (!row) { row = newRow(); }
      if (!row) { return; }
      row.hidden = false;
      var transfer = new DataTransfer();
      transfer.items.add(file);
      fileInput(row).files = transfer.files;
      check(row);
      placed += 1;
      if (!first) { first = row; }
    });
    updateAdd();
    if (placed < files.length) {
      status.textContent = "Only " + maxRows + " photos fit in one go: send these, then the rest.";
    } else if (placed) {
      status.textContent = placed + " photo" + (placed === 1 ? "" : "s") + " added: choose the region of each.";
    }
    if (first) { first.querySelector("select").focus(); }
  }

  rows().forEach(function (row, position) {
    if (position > 0 && isEmpty(row) && !row.classList.contains("refused")) { row.hidden = true; }
  });
  addRow.hidden = false;
  updateAdd();
  addRow.addEventListener("click", function () {
    var row = showNextRow();
    if (row) { fileInput(row).focus(); }
  });
  if (canSetFiles) {
    several.hidden = false;
    severalInput.addEventListener("change", function () {
      fill(severalInput.files);
      severalInput.value = "";
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) { fill(files); }
    });
  }

  // The capture guide. "Take it with the camera" opens the camera's live preview in the row
  // (getUserMedia); when the patient has a baseline photo of the row's region, it lies faintly
  // over the preview (its opacity on a slider) so that pose and distance can be matched. Each
  // shot, and each file chosen, is checked at once (scale, focus, exposure, pose, grey card) and
  // the verdict is shown on its row, so a retake happens in the room. Without a camera (or
  // without permission) the file field stays: on a tablet it opens the camera app itself.
  var checkUrl = form.getAttribute("data-check");
  var ghosts = {};
  try { ghosts = JSON.parse(form.getAttribute("data-ghosts") || "{}"); } catch (e) { ghosts = {}; }
  var csrf = (form.querySelector("input[name=csrf_token]") || {}).value || "";
  var canFilm = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) && canSetFiles;
  var filming = null;  // {row, stream}

  function guide(row) { return row.querySelector(".capture-guide"); }
  function region(row) { var select = row.querySelector("select"); return select ? select.value : ""; }
  function say(row, text, kind) {
    var verdict = row.querySelector(".capture-verdict");
    if (!verdict) { return; }
    verdict.textContent = text;
    verdict.className = "capture-verdict" + (kind ? " " + kind : "");
  }

  function showGhost(row) {
    var g = guide(row);
    if (!g) { return; }
    var ghost = g.querySelector(".ghost");
    var address = ghosts[region(row)];
    var shown = !!address && !g.querySelector(".camera").hidden;
    if (address && ghost.getAttribute("src") !== address) { ghost.setAttribute("src", address); }
    ghost.hidden = !shown;
    g.querySelector(".ghost-note").hidden = !shown;
    g.querySelector(".ghost-opacity-field").hidden = !shown;
    ghost.style.opacity = String(parseInt(g.querySelector(".ghost-opacity").value, 10) / 100);
  }

  function stopCamera() {
    if (!filming) { return; }
    filming.stream.getTracks().forEach(function (track) { track.stop(); });
    var g = guide(filming.row);
    g.querySelector(".preview").srcObject = null;
    g.querySelector(".camera").hidden = true;
    g.querySelector(".open-camera").hidden = false;
    filming = null;
  }

  function openCamera(row) {
    stopCamera();
    var g = guide(row);
    say(row, "Opening the camera…");
    navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment", width: { ideal: 4000 }, height: { ideal: 3000 } },
      audio: false
    }).then(function (stream) {
      filming = { row: row, stream: stream };
      g.querySelector(".preview").srcObject = stream;
      g.querySelector(".camera").hidden = false;
      g.querySelector(".open-camera").hidden = true;
      say(row, region(row) ? "" : "Choose the region first: its baseline photo is then shown to match.");
      showGhost(row);
    }).catch(function () {
      say(row, "No camera could be opened here: choose the photo with the file field above.");
    });
  }

  function takePhoto(row) {
    var video = guide(row).querySelector(".preview");
    if (!video.videoWidth) { return; }
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(function (blob) {
      if (!blob) { return; }
      var shot = new File([blob], "camera-" + Date.now() + ".jpg", { type: "image/jpeg" });
      var transfer = new DataTransfer();
      transfer.items.add(shot);
      fileInput(row).files = transfer.files;
      stopCamera();
      check(row);
    }, "image/jpeg", 0.95);
  }

  function check(row) {
    var input = fileInput(row);
    if (!checkUrl || !input || !input.files || !input.files.length) { return; }
    if (!region(row)) { return; }  // checked once its region is chosen (the select's change)
    var data = new FormData();
    data.append("region", region(row));
    data.append("file", input.files[0]);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", checkUrl);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    say(row, "Checking the photo…");
    xhr.addEventListener("load", function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status !== 200 || !answer) {
        say(row, (answer && answer.detail) ? "Not checked: " + answer.detail : "The photo could not be checked.", "retake");
        return;
      }
      var card = answer.grey_card ? " Grey card found." : " No grey card in the frame.";
      if (answer.ok) {
        say(row, "Capture check: good (scale, focus, exposure and pose)." + card, "good");
      } else {
        say(row, "Retake advised: " + answer.problems.join("; ") + "." + card, "retake");
      }
    });
    xhr.addEventListener("error", function () { say(row, "The photo could not be checked."); });
    xhr.send(data);
  }

  rows().forEach(function (row) {
    var g = guide(row);
    if (g) { g.hidden = false; g.querySelector(".open-camera").hidden = !canFilm; }
  });
  list.addEventListener("click", function (event) {
    var row = event.target.closest(".photo-row");
    if (!row) { return; }
    if (event.target.classList.contains("open-camera")) { openCamera(row); }
    if (event.target.classList.contains("shutter")) { takePhoto(row); }
    if (event.target.classList.contains("close-camera")) { stopCamera(); }
  });
  list.addEventListener("input", function (event) {
    var row = event.target.closest(".photo-row");
    if (row && event.target.classList.contains("ghost-opacity")) { showGhost(row); }
  });
  list.addEventListener("change", function (event) {
    var row = event.target.closest(".photo-row");
    if (!row) { return; }
    if (event.target.tagName === "SELECT") { showGhost(row); check(row); }
    if (event.target.type === "file") { check(row); }
  });

  function chosenBytes() {
    return rows().reduce(function (sum, row) {
      var input = fileInput(row);
      return sum + (input && input.files && input.files.length ? input.files[0].size : 0);
    }, 0);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    stopCamera();
    var bytes = chosenBytes();
    if (maxBytes && bytes > maxBytes) {
      status.textContent = "These photos come to " + Math.ceil(bytes / 1048576) + " MB; at most " +
        Math.floor(maxBytes / 1048576) + " MB go in one go. Send fewer at a time.";
      return;
    }
    var data = new FormData(form);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("Accept", "text/html");
    submit.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading…";
    xhr.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) { bar.value = Math.round((progress.loaded / progress.total) * 100); }
      if (bar.value >= 100) { status.textContent = "Saving the photos…"; }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
        window.location.assign(xhr.responseURL);
        return;
      }
      // A refused photo: show the page the server rendered, each message on its row.
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      submit.disabled = false;
      bar.hidden = true;
      status.textContent = "The upload failed. Check the connection and try again.";
    });
    xhr.send(data);
  });
})();
