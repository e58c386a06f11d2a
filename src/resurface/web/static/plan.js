// Progressive enhancement of the plan page: an override without a reason is pointed out before
// it is sent (the server refuses it anyway), and an open override form gets the focus.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.override-form")) {
    form.addEventListener("submit", (event) => {
      const reason = form.querySelector("textarea[name=override_reason]");
      if (reason && reason.value.trim() === "") {
        event.preventDefault();
        reason.setAttribute("aria-invalid", "true");
        let note = form.querySelector(".js-reason-note");
        if (!note) {
          note = document.createElement("span");
          note.className = "field-error js-reason-note";
          note.setAttribute("role", "alert");
          reason.insertAdjacentElement("afterend", note);
        }
        note.textContent = "Give the reason for overriding the proposal.";
        reason.focus();
      }
    });
  }
  const invalid = document.querySelector(".plan-item [aria-invalid=true]");
  if (invalid) invalid.focus();
});
