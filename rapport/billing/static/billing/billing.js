// Billing pages: remote pickers (clients, products), the invoice lines editor and the
// receivables chart. No inline scripts (strict CSP).
(() => {
  function initRemote(root) {
    if (!window.TomSelect) return;
    root.querySelectorAll("select[data-remote-url]:not(.tomselected)").forEach((el) => {
      const url = el.dataset.remoteUrl;
      const label = el.dataset.labelField || "name";
      new window.TomSelect(el, {
        valueField: "id",
        labelField: label,
        searchField: [label],
        maxOptions: 50,
        create: false,
        allowEmptyOption: true,
        load: (query, callback) => {
          fetch(`${url}?search=${encodeURIComponent(query)}`, {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
          })
            .then((r) => (r.ok ? r.json() : { results: [] }))
            .then((data) => callback(data.results || data))
            .catch(() => callback());
        },
        onChange: () => el.dispatchEvent(new Event("change", { bubbles: true })),
      });
    });
  }

  function initLines(root) {
    root.querySelectorAll("[data-add-line]").forEach((btn) => {
      if (btn.dataset.bound) return;
      btn.dataset.bound = "1";
      btn.addEventListener("click", () => {
        const body = document.getElementById(btn.dataset.addLine);
        const template = document.getElementById("line-template");
        if (!body || !template) return;
        const row = template.content.firstElementChild.cloneNode(true);
        body.appendChild(row);
        initRemote(row);
        const first = row.querySelector("input");
        if (first) first.focus();
      });
    });
  }

  document.addEventListener("click", (event) => {
    const remove = event.target.closest("[data-remove-line]");
    if (!remove) return;
    const row = remove.closest("[data-line-row]");
    const form = remove.closest("form");
    if (row) row.remove();
    if (form) form.dispatchEvent(new Event("change", { bubbles: true }));
  });

  function init(root) {
    initRemote(root);
    initLines(root);
  }

  document.addEventListener("DOMContentLoaded", () => {
    init(document);
    document.body.addEventListener("htmx:afterSwap", (event) => init(event.target));
  });
})();
