// Catalogue pages. Strict CSP: no inline scripts.
(function () {
  "use strict";

  // The price list editor's picker: search products on the server, add the picked one
  // as a row (its price input focused), or focus its row if it is already listed.
  function initProductPickers(root) {
    if (!window.TomSelect) return;
    root.querySelectorAll("select[data-product-lookup]:not(.tomselected)").forEach((el) => {
      const url = el.dataset.productLookup;
      const rowUrl = el.dataset.rowUrl;
      const tbody = document.getElementById(el.dataset.target);
      const picker = new TomSelect(el, {
        valueField: "value",
        labelField: "text",
        searchField: [],
        maxOptions: 20,
        create: false,
        loadThrottle: 250,
        score: function () { return function () { return 1; }; },
        shouldLoad: function (query) { return query.trim().length > 0; },
        load: function (query, callback) {
          this.clearOptions();
          fetch(url + "?" + new URLSearchParams({ q: query }).toString(), {
            credentials: "same-origin", headers: { Accept: "application/json" },
          }).then((r) => r.json()).then((data) => callback(data.results)).catch(() => callback());
        },
      });
      picker.on("change", (value) => {
        if (!value || !tbody) return;
        picker.clear(true);
        const existing = tbody.querySelector('tr[data-product="' + CSS.escape(value) + '"]');
        if (existing) {
          const input = existing.querySelector("input[name=item-price]");
          if (input) input.focus();
          return;
        }
        fetch(rowUrl + "?" + new URLSearchParams({ product: value }).toString(), {
          credentials: "same-origin",
        }).then((r) => {
          if (!r.ok) throw new Error(String(r.status));
          return r.text();
        }).then((html) => {
          const template = document.createElement("template");
          template.innerHTML = html.trim();
          const row = template.content.firstElementChild;
          if (!row) return;
          tbody.appendChild(row);
          const empty = document.querySelector("[data-testid=price-empty]");
          if (empty) empty.remove();
          const input = row.querySelector("input[name=item-price]");
          if (input) input.focus();
        }).catch(() => {});
      });
    });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-row]");
    if (!button) return;
    const row = button.closest("tr");
    if (row) row.remove();
  });

  // Filters that apply as soon as they change.
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form
        && !el.form.hasAttribute("hx-get")) {
      el.form.requestSubmit();
    }
  });

  document.addEventListener("DOMContentLoaded", () => initProductPickers(document));
  document.addEventListener("htmx:afterSwap", (event) => initProductPickers(event.target));
})();
