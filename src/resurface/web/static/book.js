// The book's drags. Day view: drag an appointment onto another time or column to move it, or its
// lower edge to change its length. Week view: drag it onto another day or column (same time).
// Every change is the API's PATCH with the version the page was drawn at; a refused one shows the
// server's message naming what clashes, and the appointment goes back where it was. Pointer
// events, not HTML5 drag and drop, so the block follows the pointer and a pen works too; a finger
// scrolls the page (a tap opens the appointment, whose form does the same without dragging).
(function () {
  "use strict";
  const status = document.getElementById("drag-status");
  const token = (document.querySelector('input[name="csrf_token"]') || {}).value || "";
  const THRESHOLD = 6; // pixels before a press becomes a drag (a click still opens the page)

  function say(message) {
    status.textContent = message;
    status.hidden = false;
  }

  async function patch(id, body) {
    const answer = await fetch("/api/v1/appointments/" + id, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (answer.ok) return null;
    const problem = await answer.json().catch(() => ({}));
    const clashes = (problem.clashes || []).map((c) => c.message);
    const fields = (problem.errors || []).map((e) => e.message);
    return clashes.concat(fields).join("; ") || problem.detail || "refused by the server";
  }

  function reload(saved) {
    const url = new URL(window.location.href);
    url.searchParams.set("saved", saved);
    window.location.assign(url.toString());
  }

  // A press on `item` that moves past THRESHOLD calls onMove(x, y) on every move and onDrop(x, y)
  // on release; the click that follows a drag does not open the appointment.
  function draggable(item, kinds, onStart, onMove, onDrop) {
    let origin = null;
    let dragging = false;
    const inner = item.querySelector("a");
    item.setAttribute("draggable", "false");
    item.addEventListener("dragstart", (event) => event.preventDefault());
    item.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || !kinds.includes(event.pointerType)) return;
      origin = { x: event.clientX, y: event.clientY, id: event.pointerId };
      dragging = false;
      event.preventDefault(); // no native link drag, no text selection
      // the moves stay ours when they leave the item; an item holding a link is captured only
      // once it is dragged, or a plain click would land on the item instead of its link
      if (!inner) item.setPointerCapture(event.pointerId);
    });
    item.addEventListener("pointermove", (event) => {
      if (!origin || event.pointerId !== origin.id) return;
      if (!dragging) {
        if (Math.hypot(event.clientX - origin.x, event.clientY - origin.y) < THRESHOLD) return;
        dragging = true;
        if (inner) item.setPointerCapture(event.pointerId);
        item.classList.add("dragging");
        onStart(origin);
      }
      event.preventDefault();
      onMove(event.clientX, event.clientY, event.clientY - origin.y);
    });
    const finish = (event, drop) => {
      if (!origin || event.pointerId !== origin.id) return;
      const wasDragging = dragging;
      origin = null;
      dragging = false;
      item.classList.remove("dragging");
      if (!wasDragging) return;
      item.dataset.dragged = "1";
      drop(event.clientX, event.clientY);
    };
    item.addEventListener("pointerup", (event) => finish(event, onDrop));
    item.addEventListener("pointercancel", (event) => finish(event, () => onDrop(NaN, NaN)));
    item.addEventListener("click", (event) => {
      if (item.dataset.dragged) {
        delete item.dataset.dragged;
        event.preventDefault();
      }
    }, true);
  }

  function under(x, y, selector) {
    if (Number.isNaN(x)) return null;
    return document.elementsFromPoint(x, y).find((el) => el.matches(selector)) || null;
  }

  function swapClass(el, prefix, value) {
    el.classList.forEach((name) => { if (name.startsWith(prefix)) el.classList.remove(name); });
    el.classList.add(prefix + value);
  }

  function placement(el) {
    return [...el.classList].filter((n) => /^g[rsc]-\d+$/.test(n));
  }

  function restore(el, classes) {
    placement(el).forEach((n) => el.classList.remove(n));
    classes.forEach((n) => el.classList.add(n));
  }

  function hhmm(minutes) {
    const h = Math.floor(minutes / 60) % 24;
    const m = minutes % 60;
    return String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0");
  }

  function toMinutes(text) {
    const [h, m] = text.split(":").map(Number);
    return h * 60 + m;
  }

  // --- the day grid ----------------------------------------------------------------------------
  const grid = document.querySelector(".day-grid[data-day]");
  if (grid) {
    const step = Number(grid.dataset.step) || 15;
    const slotOf = (el) => ({
      row: placement(el).find((n) => n.startsWith("gr-")),
      col: placement(el).find((n) => n.startsWith("gc-")),
    });

    grid.querySelectorAll(".appt[data-id]").forEach((block) => {
      const label = block.querySelector(".span");
      const start = toMinutes(block.dataset.start);
      const minutes = Number(block.dataset.minutes);
      let before = null;
      let target = null;

      const showSpan = (from, length) => {
        label.textContent = hhmm(from) + "–" + hhmm(from + length);
      };
      const reset = () => {
        restore(block, before);
        showSpan(start, minutes);
        grid.querySelectorAll(".slot.drop").forEach((s) => s.classList.remove("drop"));
      };

      draggable(block, ["mouse", "pen"], () => {
        before = placement(block);
        status.hidden = true;
      }, (x, y) => {
        const slot = under(x, y, "a.slot[data-time]");
        grid.querySelectorAll(".slot.drop").forEach((s) => s.classList.remove("drop"));
        target = slot;
        if (!slot) { restore(block, before); showSpan(start, minutes); return; }
        slot.classList.add("drop");
        const at = slotOf(slot);
        swapClass(block, "gr-", at.row.slice(3));
        swapClass(block, "gc-", at.col.slice(3));
        showSpan(toMinutes(slot.dataset.time), minutes);
      }, async (x, y) => {
        const slot = under(x, y, "a.slot[data-time]") || null;
        if (!slot) { reset(); return; }
        const body = { version: Number(block.dataset.version), day: grid.dataset.day,
          time: slot.dataset.time };
        body[slot.dataset.field] = Number(slot.dataset.key);
        const refused = await patch(block.dataset.id, body);
        if (refused === null) { reload("moved"); return; }
        reset();
        say("Not moved: " + refused);
      });

      // the lower edge: its own press (any pointer, a finger too: it never scrolls the page)
      const grip = block.querySelector(".grip");
      if (!grip) return;
      let rows = 0;
      let height = 0;
      draggable(grip, ["mouse", "pen", "touch"], () => {
        before = placement(block);
        status.hidden = true;
        const slot = grid.querySelector(".slot");
        height = slot ? slot.getBoundingClientRect().height : 24;
      }, (x, y, dy) => {
        const span = Math.ceil(minutes / step);
        rows = Math.round(dy / height);
        const length = Math.max(step, span * step + rows * step);
        swapClass(block, "gs-", Math.max(1, Math.ceil(length / step)));
        showSpan(start, length);
      }, async () => {
        const span = Math.ceil(minutes / step);
        const length = Math.max(step, span * step + rows * step);
        if (Number.isNaN(rows) || length === minutes) { reset(); return; }
        const refused = await patch(block.dataset.id,
          { version: Number(block.dataset.version), minutes: length });
        if (refused === null) { reload("resized"); return; }
        reset();
        say("Not changed: " + refused);
      });
      grip.addEventListener("pointerdown", (event) => event.stopPropagation());
      grip.addEventListener("click", (event) => event.preventDefault());
    });
  }

  // --- the week table --------------------------------------------------------------------------
  const week = document.querySelector("table.week[data-week]");
  if (week) {
    week.querySelectorAll("li[data-id]").forEach((item) => {
      // the item stays where it is while dragged (moving it would lose the pointer); a copy
      // shows where it would go
      const ghost = item.cloneNode(true);
      ghost.removeAttribute("data-id");
      ghost.classList.add("ghost");
      ghost.setAttribute("aria-hidden", "true");
      const home = item.closest("td");
      let target = null;
      const clear = () => {
        ghost.remove();
        week.querySelectorAll(".drop").forEach((c) => c.classList.remove("drop"));
        target = null;
      };
      draggable(item, ["mouse", "pen"], () => { status.hidden = true; }, (x, y) => {
        let cell = under(x, y, "td.drop-cell");
        if (cell === home) cell = null;
        if (cell === target) return;
        clear();
        target = cell;
        if (cell) {
          cell.classList.add("drop");
          cell.querySelector("ul").appendChild(ghost);
        }
      }, async (x, y) => {
        const cell = under(x, y, "td.drop-cell");
        if (!cell || cell === home) { clear(); return; }
        const body = { version: Number(item.dataset.version), day: cell.dataset.day,
          time: item.dataset.time };
        body[cell.dataset.field] = Number(cell.dataset.key);
        const refused = await patch(item.dataset.id, body);
        if (refused === null) { reload("moved"); return; }
        clear();
        say("Not moved: " + refused);
      });
    });
  }
})();
