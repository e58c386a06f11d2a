// The patient's check-in form: keep a draft on the phone, and never lose a
// check-in when the network is gone (it is queued and sent when the phone is back online).
// Also the clinic's "print the hand-out" button. No inline script: the page's CSP forbids it.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var form = document.getElementById("checkin");
  if (!form) { return; }

  var status = document.getElementById("offline-status");
  var here = window.location.pathname;
  var draftKey = "resurface:draft:" + here;
  var queueKey = "resurface:queue:" + here;
  var scoreNames = ["redness", "swelling", "irritation", "pain", "itch"];

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function read(key, fallback) {
    var store = storage();
    if (!store) { return fallback; }
    try { return JSON.parse(store.getItem(key)) || fallback; } catch (e) { return fallback; }
  }

  function write(key, value) {
    var store = storage();
    if (!store) { return; }
    try {
      if (value === null) { store.removeItem(key); } else { store.setItem(key, JSON.stringify(value)); }
    } catch (e) { /* storage full or blocked: the form still works online */ }
  }

  function say(text) {
    if (!status) { return; }
    status.textContent = text;
    status.hidden = !text;
  }

  function answers() {
    // A question left unanswered is sent as null: the clinic is told it was not answered.
    var scores = {};
    scoreNames.forEach(function (name) {
      var chosen = form.elements[name].value;
      scores[name] = chosen === "" ? null : Number(chosen);
    });
    var flags = [];
    form.querySelectorAll('input[name="red_flags"]:checked').forEach(function (box) { flags.push(box.value); });
    return {
      date: form.elements.date.value,
      scores: scores,
      red_flags: flags,
      note: form.elements.note.value
    };
  }

  function restore(draft) {
    scoreNames.forEach(function (name) {
      if (draft.scores && draft.scores[name] !== undefined && draft.scores[name] !== null) {
        form.elements[name].value = String(draft.scores[name]);
      }
    });
    form.querySelectorAll('input[name="red_flags"]').forEach(function (box) {
      box.checked = (draft.red_flags || []).indexOf(box.value) >= 0;
    });
    form.elements.note.value = draft.note || "";
  }


  // A draft from another day is not today's answer; the server's values (after a refusal) win.
  var draft = read(draftKey, null);
  if (draft && draft.date === form.elements.date.value && form.dataset.serverValues !== "yes") {
    restore(draft);
    say("We kept the answers you started earlier.");
  }
  form.addEventListener("input", function () { write(draftKey, answers()); });
  form.addEventListener("change", function () { write(draftKey, answers()); });

  function pending() { return read(queueKey, []); }

  function queue(item) {
    var items = pending();
    items.push(item);
    write(queueKey, items);
  }

  function offlineMessage(hadPhoto) {
    var count = pending().length;
    var text = "You seem to be offline. Your check-in is saved on this phone and will be sent " +
      "as soon as you are back online" + (count > 1 ? " (" + count + " waiting)." : ".");
    if (hadPhoto) { text += " The photo could not be kept: please add it again when you are online."; }
    say(text);
  }

  // Send what was saved offline, oldest first; stop at the first network failure.
  var flushing = false;
  function flush() {
    var items = pending();
    if (flushing || !items.length) { return; }
    flushing = true;
    var sentAny = false;
    (function next() {
      var items = pending();
      if (!items.length) {
        flushing = false;
        if (sentAny) { window.location.assign(here + "?sent=1#result"); }
        return;
      }
      var item = items[0];
      fetch(form.dataset.api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": item.csrf,
                   "Idempotency-Key": item.key || "" },
        body: JSON.stringify(item.answers)
      }).then(function (response) {
        if (response.status === 429 || response.status >= 500) {
          flushing = false;
          say("Your saved check-in is waiting; we will try again shortly.");
          window.setTimeout(flush, 60000);
          return;
        }
        // Sent, or refused for good (e.g. the link expired): either way it leaves the queue.
        write(queueKey, pending().slice(1));
        if (response.ok) {
          sentAny = true;
        } else {
          say("A check-in saved on this phone could not be accepted. Please contact the clinic.");
        }
        next();
      }).catch(function () {
        flushing = false;
        offlineMessage(false);
      });
    })();
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) { return; }  // the plain form post does the job
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    var photo = form.elements.photo;
    var hadPhoto = !!(photo && photo.files && photo.files.length);
    var data = new FormData(form);
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin", redirect: "follow" })
      .then(function (response) {
        if (response.ok && response.redirected) {
          write(draftKey, null);
          window.location.assign(response.url);
          return;
        }
        // Refused (a field to correct, too many tries): let the server show its page, with
        // everything the patient entered still filled in.
        button.disabled = false;
        HTMLFormElement.prototype.submit.call(form);
      })
      .catch(function () {
        button.disabled = false;
        // The request key goes with it: if the first try did reach the clinic, the resend is
        // answered with that check-in instead of saving a second one.
        queue({ answers: answers(), csrf: form.elements.csrf_token.value,
                key: form.elements.request_key.value });
        write(draftKey, null);
        offlineMessage(hadPhoto);
      });
  });

  window.addEventListener("online", flush);
  if (pending().length) {
    if (navigator.onLine === false) { offlineMessage(false); } else { flush(); }
  }

  if (/[?&]sent=1/.test(window.location.search)) {
    var result = document.getElementById("result");
    if (result) { result.focus(); }
  }
})();
