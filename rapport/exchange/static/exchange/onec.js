// 1C exchange pages: the bar chart of the exchange log and the "copy the endpoint URL"
// button. No inline scripts (strict CSP).
(() => {
  function readJson(id) {
    const node = document.getElementById(id);
    try {
      return node ? JSON.parse(node.textContent) : null;
    } catch (e) {
      return null;
    }
  }

  function initCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-session-chart]").forEach((canvas) => {
      if (canvas.dataset.bound) return;
      canvas.dataset.bound = "1";
      const data = readJson(canvas.dataset.sessionChart);
      if (!data) return;
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map((s) => ({
            label: s.label,
            data: s.data,
            backgroundColor: s.color,
          })),
        },
        options: {
          responsive: true,
          aspectRatio: 5,
          animation: false,
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
          plugins: { legend: { position: "bottom" } },
        },
      });
    });
  }

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

  const start = () => initCharts(document);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSettle", (event) => initCharts(event.target));
})();
