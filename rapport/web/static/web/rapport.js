// Small behaviours shared by every page; no inline scripts (strict CSP).
document.addEventListener("DOMContentLoaded", () => {
  const token = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", (event) => {
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });
  initWidgets(document);
  document.body.addEventListener("htmx:afterSwap", (event) => initWidgets(event.target));
});

function initWidgets(root) {
  if (window.TomSelect) {
    root.querySelectorAll("select[data-tomselect]:not(.tomselected)").forEach((el) => {
      new TomSelect(el, { plugins: el.multiple ? ["remove_button"] : [], create: false });
    });
  }
  // "select all" checkbox of list pages
  root.querySelectorAll("[data-select-all]").forEach((box) => {
    box.addEventListener("change", () => {
      document.querySelectorAll(box.dataset.selectAll).forEach((cb) => { cb.checked = box.checked; });
    });
  });
  // repeatable rows (phones, e-mails...): a button clones the last row of its group
  root.querySelectorAll("[data-add-row]").forEach((btn) => {
    if (btn.dataset.bound) return;
    btn.dataset.bound = "1";
    btn.addEventListener("click", () => {
      const group = document.getElementById(btn.dataset.addRow);
      const last = group.querySelector("[data-row]:last-of-type");
      if (!last) return;
      const copy = last.cloneNode(true);
      copy.querySelectorAll("input").forEach((i) => { i.value = ""; });
      group.appendChild(copy);
    });
  });
  root.querySelectorAll("[data-confirm]").forEach((el) => {
    if (el.dataset.bound) return;
    el.dataset.bound = "1";
    el.addEventListener("click", (e) => { if (!window.confirm(el.dataset.confirm)) e.preventDefault(); });
  });
}
