// 1C exchange pages: the "copy the endpoint URL" button (the log's chart is
// web/stacked-chart.js). No inline scripts (strict CSP).
(() => {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy-target]");
    if (!button) return;
    const input = document.getElementById(button.dataset.copyTarget);
    if (!input) return;
    input.select();
    const done = () => {
      if (button.dataset.copiedText) button.lastChild.textContent = ` ${button.dataset.copiedText}`;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, () => {});
    } else {
      try {
        document.execCommand("copy");
        done();
      } catch (e) {
        /* the text stays selected for the user to copy */
      }
    }
  });

})();
