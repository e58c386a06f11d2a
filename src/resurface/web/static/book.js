// The day view: drag an appointment onto an empty slot to move it there (the API's PATCH with the
// version the page was drawn at). The form on each appointment's page does the same without a
// mouse; a refused move shows what clashes, and the page is not changed.
(function () {
  "use strict";
  const grid = document.querySelector(".day-grid[data-day]");
  if (!grid) return;
  const status = document.getElementById("drag-status");
  const token = (document.querySelector('input[name="csrf_token"]') || {}).value || "";
  let dragged = null;

  grid.querySelectorAll(".appt[data-id]").forEach((block) => {
    block.setAttribute("draggable", "true");
    block.addEventListener("dragstart", (event) => {
      dragged = block;
      event.dataTransfer.setData("text/plain", block.dataset.id);
      event.dataTransfer.effectAllowed = "move";
    });
  });
  grid.querySelectorAll("a.slot[data-time]").forEach((slot) => {
    slot.addEventListener("dragover", (event) => {
      if (dragged) { event.preventDefault(); slot.classList.add("drop"); }
    });
    slot.addEventListener("dragleave", () => slot.classList.remove("drop"));
    slot.addEventListener("drop", async (event) => {
      event.preventDefault();
      slot.classList.remove("drop");
      if (!dragged) return;
      const body = { version: Number(dragged.dataset.version), day: grid.dataset.day, time: slot.dataset.time };
      body[slot.dataset.field] = Number(slot.dataset.key);
      const answer = await fetch("/api/v1/appointments/" + dragged.dataset.id, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      dragged = null;
      if (answer.ok) {
        const url = new URL(window.location.href);
        url.searchParams.set("saved", "moved");
        window.location.assign(url.toString());
        return;
      }
      const problem = await answer.json().catch(() => ({}));
      const clashes = (problem.clashes || []).map((c) => c.message);
      status.textContent = "Not moved: " + (clashes.length ? clashes.join("; ") : (problem.detail || "refused"));
      status.hidden = false;
    });
  });
})();
