// Client base pages (clients, contact persons). Strict CSP: no inline scripts.
(function () {
  "use strict";

  // A Tom Select picker of visible clients, searched on the server as you type.
  function initClientLookups(root) {
    if (!window.TomSelect) return;
    root.querySelectorAll("select[data-client-lookup]:not(.tomselected)").forEach((el) => {
      const url = el.dataset.clientLookup;
      const exclude = el.dataset.exclude || "";
      new TomSelect(el, {
        valueField: "value",
        labelField: "text",
        searchField: [],
        maxOptions: 20,
        create: false,
        loadThrottle: 300,
        // The server already matched name, tax id, phone and e-mail: keep its order.
        score: function () { return function () { return 1; }; },
        shouldLoad: function (query) { return query.trim().length > 0; },
        load: function (query, callback) {
          const params = new URLSearchParams({ q: query });
          if (exclude) params.set("exclude", exclude);
          this.clearOptions();
          fetch(url + "?" + params.toString(), {
            credentials: "same-origin", headers: { Accept: "application/json" },
          }).then((r) => r.json()).then((data) => callback(data.results)).catch(() => callback());
        },
      });
    });
  }

  // Batch actions: show only the value picker the chosen action needs.
  function initBatch(root) {
    root.querySelectorAll("select[data-batch-action]").forEach((action) => {
      if (action.dataset.bound) return;
      action.dataset.bound = "1";
      const form = action.form;
      const update = () => {
        form.querySelectorAll("[data-batch-value]").forEach((el) => {
          const wanted = el.dataset.batchValue.split(" ").includes(action.value);
          el.classList.toggle("d-none", !wanted);
          el.disabled = !wanted;
        });
      };
      action.addEventListener("change", update);
      update();
    });
  }

  // Forms that carry the list's current filter (saved filters, batch actions): copy the
  // filter form's values when submitted, since search-as-you-type changes them in place.
  function filterQuery(selector) {
    const filter = document.querySelector(selector);
    if (!filter) return null;
    const params = new URLSearchParams();
    new FormData(filter).forEach((value, key) => {
      if (value !== "" && key !== "cursor") params.append(key, value);
    });
    return params.toString();
  }

  function initFilterCarriers(root) {
    root.querySelectorAll("form[data-saved-filter-form]").forEach((form) => {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      form.addEventListener("submit", () => {
        const query = filterQuery(form.dataset.savedFilterForm);
        if (query !== null) form.querySelector("input[name=query]").value = query;
      });
    });
    root.querySelectorAll("input[data-batch-query]").forEach((input) => {
      if (input.dataset.bound) return;
      input.dataset.bound = "1";
      input.form.addEventListener("submit", () => {
        const query = filterQuery(input.dataset.batchQuery);
        if (query !== null) input.value = query;
      });
    });
  }

  function init(root) {
    initClientLookups(root);
    initBatch(root);
    initFilterCarriers(root);
  }

  document.addEventListener("DOMContentLoaded", () => {
    init(document);
    document.body.addEventListener("htmx:afterSwap", (event) => init(event.target));
    // Keep list URLs (pushed to the address bar, saved as filters) short: no empty params.
    document.body.addEventListener("htmx:configRequest", (event) => {
      if (!event.detail.elt.closest("[data-drop-empty-params]")) return;
      const params = event.detail.parameters;
      Array.from(params.keys ? params.keys() : Object.keys(params)).forEach((key) => {
        const value = params.get ? params.get(key) : params[key];
        if (value === "" || value === null) params.delete ? params.delete(key) : delete params[key];
      });
    });

    document.body.addEventListener("click", (event) => {
      // A row from a <template> (rows with pickers cannot be cloned once initialised).
      const add = event.target.closest("[data-add-template-row]");
      if (add) {
        const group = document.getElementById(add.dataset.addTemplateRow);
        const template = document.getElementById(add.dataset.template);
        if (group && template) {
          const row = template.content.firstElementChild.cloneNode(true);
          group.appendChild(row);
          init(row);
          const picker = row.querySelector("select");
          if (picker && picker.tomselect) picker.tomselect.focus();
        }
        return;
      }
      // Remove a repeatable row; the last one of a group is only emptied.
      const remove = event.target.closest("[data-remove-row]");
      if (remove) {
        const row = remove.closest("[data-row]");
        if (!row) return;
        const group = row.parentElement;
        if (group.querySelectorAll(":scope > [data-row]").length > 1) {
          row.remove();
        } else {
          row.querySelectorAll("input").forEach((i) => { i.value = ""; });
          row.querySelectorAll("select").forEach((s) => {
            if (s.tomselect) s.tomselect.clear(); else if (s.name.endsWith("-client")) s.value = "";
          });
        }
        group.dispatchEvent(new Event("input", { bubbles: true }));
        return;
      }
      // Rows cloned by rapport.js ([data-add-row]) need htmx to see their inputs.
      const cloned = event.target.closest("[data-add-row]");
      if (cloned && window.htmx) {
        const group = document.getElementById(cloned.dataset.addRow);
        if (group && group.lastElementChild) {
          const input = group.lastElementChild.querySelector("input");
          if (input) input.focus();
        }
      }
    });
  });
})();
