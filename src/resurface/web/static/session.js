// Live warning on the session form: as a setting passes its limit, say so next to the field and
// point at the area's reason box. The server's check is the rule; this only warns earlier.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const inputs = document.querySelectorAll("input[data-limit]");
  const check = (input) => {
    const limit = parseFloat(input.dataset.limit);
    const value = parseFloat(input.value.replace(",", "."));
    const over = Number.isFinite(value) && value > limit;
    let note = input.parentElement.querySelector(".limit-warning");
    input.classList.toggle("over-limit", over);
    if (over && !note) {
      note = document.createElement("span");
      note.className = "limit-warning";
      note.setAttribute("role", "status");
      input.insertAdjacentElement("afterend", note);
    }
    if (note) note.textContent = over ? `Above the limit of ${limit} ${input.dataset.unit}: give a reason below.` : "";
    const reason = document.getElementById(input.dataset.reason);
    if (reason) {
      const fieldset = input.closest("fieldset");
      const anyOver = fieldset && fieldset.querySelector("input.over-limit") !== null;
      reason.classList.toggle("needed", anyOver);
    }
  };
  for (const input of inputs) {
    input.addEventListener("input", () => check(input));
    check(input);
  }
  const invalid = document.querySelector(".session-form [aria-invalid=true]");
  if (invalid) invalid.focus();
});
