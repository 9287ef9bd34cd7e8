// Upload a recording with a progress bar: posts the form (CSRF token included) with XMLHttpRequest,
// then opens the new recording's page. Without JavaScript the form posts normally.
"use strict";

function uploadWithProgress(form) {
  var bar = form.querySelector("progress");
  var status = form.querySelector(".status");
  var button = form.querySelector("button[type=submit]");
  var xhr = new XMLHttpRequest();

  function fail(message) {
    status.textContent = message;
    status.classList.add("error");
    bar.hidden = true;
    button.disabled = false;
  }

  xhr.upload.addEventListener("progress", function (event) {
    if (event.lengthComputable) {
      bar.value = Math.round((100 * event.loaded) / event.total);
    }
  });
  xhr.upload.addEventListener("load", function () {
    bar.value = 100;
    status.textContent = form.dataset.msgChecking;
  });
  xhr.addEventListener("load", function () {
    var body = null;
    try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
    if (xhr.status === 201 && body && body.location) {
      window.location.assign(body.location);
    } else if (xhr.status === 413) {
      fail(form.dataset.msgTooLarge);
    } else {
      fail((body && body.detail) || form.dataset.msgFailed);
    }
  });
  xhr.addEventListener("error", function () { fail(form.dataset.msgFailed); });

  xhr.open("POST", form.action);
  xhr.setRequestHeader("Accept", "application/json");
  xhr.send(new FormData(form));
  bar.value = 0;
  bar.hidden = false;
  button.disabled = true;
  status.classList.remove("error");
  status.textContent = form.dataset.msgUploading;
}

document.querySelectorAll("form.upload").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.FormData || !form.checkValidity()) {
      return;  // let the browser show its own message, or post the form the plain way
    }
    event.preventDefault();
    uploadWithProgress(form);
  });
});
