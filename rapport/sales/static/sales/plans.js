// Plan vs fact bar chart. Strict CSP: no inline scripts; data comes through json_script.
(function () {
  "use strict";

  function readJson(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function initPlanCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-plan-source]").forEach((canvas) => {
      if (canvas.dataset.bound) return;
      canvas.dataset.bound = "1";
      const data = readJson(canvas.dataset.planSource);
      if (!data) return;
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color })),
        },
        options: {
          responsive: true,
          maintainAspectRatio: true,
          aspectRatio: 3,
          animation: false,
          scales: { y: { beginAtZero: true } },
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    initPlanCharts(document);
    document.body.addEventListener("htmx:afterSwap", (event) => initPlanCharts(event.target));
  });
})();
