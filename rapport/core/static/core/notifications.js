// The notification bell and the reminder widget (no inline scripts: strict CSP).
(() => {
  const pad = (n) => String(n).padStart(2, "0");
  const localNow = () => {
    const d = new Date();
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };

  // Reminder form: an empty "remind at" starts at the current minute.
  const init = (root) => {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("input[data-default-now]").forEach((input) => {
      if (!input.value) input.value = localNow();
    });
  };

  // "At a time" / "minutes before the due time": show the matching field only.
  document.addEventListener("change", (event) => {
    const radio = event.target;
    if (!(radio instanceof HTMLInputElement) || !radio.hasAttribute("data-reminder-mode-switch")) {
      return;
    }
    const form = radio.closest("form");
    if (!form) return;
    form.querySelectorAll("[data-reminder-mode]").forEach((box) => {
      box.hidden = box.dataset.reminderMode !== radio.value;
    });
  });

  // The unread count also shows in the tab title.
  const baseTitle = document.title;
  const showCount = () => {
    const badge = document.querySelector("#rp-bell-count [data-count]");
    const count = badge ? Number(badge.dataset.count) : 0;
    document.title = count ? `(${count}) ${baseTitle}` : baseTitle;
  };

  document.addEventListener("DOMContentLoaded", () => {
    init(document);
    showCount();
    document.body.addEventListener("htmx:afterSwap", (event) => {
      init(event.target);
      showCount();
    });
  });
})();
