// Small behaviours shared by every page; no inline scripts (strict CSP).
document.addEventListener("DOMContentLoaded", () => {
  const token = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", (event) => {
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });
  initWidgets(document);
  document.body.addEventListener("htmx:afterSwap", (event) => initWidgets(event.target));
  document.body.addEventListener("htmx:responseError", (event) => {
    showError(String(event.detail.xhr ? event.detail.xhr.status : ""));
  });
  document.body.addEventListener("htmx:sendError", () => showError("network"));
});

// "data-confirm" on a button or link: ask before it acts (works inside swapped fragments).
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// A file input with data-max-bytes refuses a too large file before it is sent.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) {
    return;
  }
  const limit = Number(input.dataset.maxBytes);
  const tooBig = Array.from(input.files || []).some((f) => f.size > limit);
  input.setCustomValidity(tooBig ? (input.dataset.tooLarge || "File too large") : "");
  input.classList.toggle("is-invalid", tooBig);
  if (tooBig) input.reportValidity();
});

function showError(kind) {
  const toast = document.getElementById("rp-error-toast");
  if (!toast || !window.bootstrap) return;
  const message = toast.dataset["msg" + kind] || toast.dataset.msgDefault;
  toast.querySelector(".toast-body").textContent = message;
  window.bootstrap.Toast.getOrCreateInstance(toast).show();
}

function initWidgets(root) {
  if (window.TomSelect) {
    root.querySelectorAll("select[data-tomselect]:not(.tomselected)").forEach((el) => {
      new TomSelect(el, {
        plugins: el.multiple ? ["remove_button"] : [], create: false, maxOptions: 1000,
      });
    });
  }
  // "select all" checkbox of list pages
  root.querySelectorAll("[data-select-all]").forEach((box) => {
    if (box.dataset.bound) return;
    box.dataset.bound = "1";
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
  // Show the "choices" field of the property form only for choice types.
  root.querySelectorAll("[data-show-for-types]").forEach((block) => {
    const select = document.getElementById(block.dataset.typeSelect);
    if (!select || block.dataset.bound) return;
    block.dataset.bound = "1";
    const types = block.dataset.showForTypes.split(" ");
    const update = () => block.classList.toggle("d-none", !types.includes(select.value));
    select.addEventListener("change", update);
    update();
  });
}
