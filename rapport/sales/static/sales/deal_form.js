// The deal form: client picker (parties.js), its contact persons, and the product lines
// editor whose prices, discounts and totals the server recomputes (HTMX "recalc").
(function () {
  "use strict";

  let timer = null;

  function recalc() {
    const lines = document.getElementById("deal-lines");
    if (!lines || !window.htmx) return;
    clearTimeout(timer);
    timer = setTimeout(() => window.htmx.trigger(lines, "recalc"), 150);
  }

  function initProducts(root) {
    const form = document.getElementById("deal-form");
    if (!form || !window.TomSelect) return;
    const url = form.dataset.productsUrl;
    root.querySelectorAll("select[data-product-lookup]:not(.tomselected)").forEach((el) => {
      if (el.closest("template")) return;
      new TomSelect(el, {
        valueField: "value",
        labelField: "text",
        searchField: [],
        maxOptions: 20,
        create: false,
        loadThrottle: 250,
        preload: "focus",
        score: function () { return function () { return 1; }; },
        load: function (query, callback) {
          this.clearOptions();
          fetch(url + "?" + new URLSearchParams({ q: query }).toString(), {
            credentials: "same-origin", headers: { Accept: "application/json" },
          }).then((r) => r.json()).then((data) => callback(data.results)).catch(() => callback());
        },
        onChange: function () {
          // Another product: its catalogue price, discount and VAT apply again.
          const row = el.closest("[data-line-row]");
          if (row) {
            ["line-price", "line-discount", "line-vat"].forEach((name) => {
              const input = row.querySelector('input[name="' + name + '"]');
              if (input) input.value = "";
            });
          }
          recalc();
        },
      });
    });
  }

  function addLine() {
    const template = document.getElementById("line-template");
    const lines = document.getElementById("deal-lines");
    if (!template || !lines) return;
    let body = lines.querySelector('[data-role="line-rows"]');
    if (!body) return;
    const row = template.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    initProducts(row);
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-add-line]")) {
      event.preventDefault();
      addLine();
      return;
    }
    const remove = event.target.closest("[data-remove-line]");
    if (remove) {
      event.preventDefault();
      remove.closest("[data-line-row]").remove();
      recalc();
    }
  });

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.closest("#deal-lines") && target.matches("input[name^=\"line-\"]")) {
      recalc();
    } else if (target.matches("#id_currency, #id_price_type")) {
      document.querySelectorAll('#deal-lines input[name="line-price"]').forEach((input) => {
        const row = input.closest("[data-line-row]");
        const product = row && row.querySelector('select[name="line-product"]');
        if (product && product.value) input.value = "";
      });
      recalc();
    } else if (target.matches("#id_client")) {
      const form = document.getElementById("deal-form");
      if (window.htmx && form) {
        window.htmx.ajax("GET", form.dataset.contactsUrl + "?client=" + encodeURIComponent(target.value),
          { target: "#deal-contacts", swap: "innerHTML" });
      }
      recalc();
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    initProducts(document);
    document.body.addEventListener("htmx:afterSwap", (event) => initProducts(event.target));
  });
})();
