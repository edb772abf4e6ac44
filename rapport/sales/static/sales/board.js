// The kanban board: drag a deal card to another column to move it (HTML5 drag and drop).
// The server enforces the stage's rules; a refused move snaps back and shows the message.
(function () {
  "use strict";

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function showMessage(board, text) {
    const box = document.getElementById("board-message");
    if (!box) return;
    box.textContent = text || board.dataset.errorText;
    box.classList.remove("d-none");
  }

  function hideMessage() {
    const box = document.getElementById("board-message");
    if (box) box.classList.add("d-none");
  }

  function updateColumns(board, columns) {
    board.querySelectorAll("[data-stage-id]").forEach((column) => {
      const data = columns[column.dataset.stageId] || { count: 0, amount: null };
      const count = column.querySelector('[data-role="count"]');
      const amount = column.querySelector('[data-role="amount"]');
      if (count) count.textContent = String(data.count);
      if (amount && data.amount !== null) amount.textContent = data.amount;
      if (amount && data.amount === null) amount.textContent = "0";
    });
  }

  function init() {
    const board = document.querySelector('[data-testid="board"]');
    if (!board) return;
    let dragged = null;

    board.addEventListener("dragstart", (event) => {
      const card = event.target.closest("[data-deal-id]");
      if (!card) return;
      dragged = card;
      card.classList.add("rp-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.dealId);
    });
    board.addEventListener("dragend", () => {
      if (dragged) dragged.classList.remove("rp-dragging");
      board.querySelectorAll(".rp-drop-target").forEach((c) => c.classList.remove("rp-drop-target"));
    });
    board.addEventListener("dragover", (event) => {
      const column = event.target.closest("[data-stage-id]");
      if (!column || !dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      board.querySelectorAll(".rp-drop-target").forEach((c) => {
        if (c !== column) c.classList.remove("rp-drop-target");
      });
      column.classList.add("rp-drop-target");
    });
    board.addEventListener("drop", (event) => {
      const column = event.target.closest("[data-stage-id]");
      if (!column || !dragged) return;
      event.preventDefault();
      column.classList.remove("rp-drop-target");
      const card = dragged;
      dragged = null;
      const source = card.closest("[data-stage-id]");
      if (source === column) return;
      move(board, card, column);
    });
  }

  function move(board, card, column) {
    hideMessage();
    const body = new FormData();
    body.append("stage", column.dataset.stageId);
    body.append("version", card.dataset.version);
    card.classList.add("rp-dragging");
    fetch(card.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf() },
    })
      .then((response) => response.json().catch(() => ({ ok: false, message: "" })))
      .then((data) => {
        card.classList.remove("rp-dragging");
        if (!data.ok) {
          // Refused: the card stays where it was.
          showMessage(board, data.message);
          return;
        }
        card.dataset.version = String(data.version);
        const cards = column.querySelector('[data-role="cards"]');
        cards.insertBefore(card, cards.firstChild);
        updateColumns(board, data.columns || {});
      })
      .catch(() => {
        card.classList.remove("rp-dragging");
        showMessage(board, "");
      });
  }

  // The pipeline picker shows the chosen pipeline's board at once.
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });

  document.addEventListener("DOMContentLoaded", init);
})();
