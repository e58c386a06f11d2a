// Photo upload with drag and drop and a progress bar; the plain form still works without it.
(function () {
  "use strict";
  var form = document.querySelector("form.upload");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var zone = form.querySelector(".dropzone");
  var input = form.querySelector("input[type=file]");
  var bar = form.querySelector(".upload-progress");
  var status = form.querySelector(".upload-status");
  var hint = form.querySelector(".drop-hint");
  if (hint) { hint.hidden = false; }

  function send(file) {
    var data = new FormData(form);
    data.set("file", file, file.name || "photo.jpg");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("Accept", "text/html");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading…";
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round((event.loaded / event.total) * 100); }
      if (bar.value >= 100) { status.textContent = "Analysing the photo…"; }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
        window.location.assign(xhr.responseURL);
        return;
      }
      // A refused photo: show the page the server rendered, with the message next to the field.
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      bar.hidden = true;
      status.textContent = "The upload failed. Check the connection and try again.";
    });
    xhr.send(data);
  }

  form.addEventListener("submit", function (event) {
    if (!input.files || !input.files.length) { return; }
    event.preventDefault();
    send(input.files[0]);
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
    if (files && files.length) { send(files[0]); }
  });
})();
