// Stacked bar charts (Chart.js) drawn from JSON the page carries: a canvas with
// data-stacked-chart="<id of a json_script element>" holding
// {labels: [...], series: [{label, data: [...], color}]}; data-chart-horizontal lays the
// bars sideways. Used by receivables and the exchange log. No inline scripts (strict CSP).
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
    if (!window.Chart || !root.querySelectorAll) return;
    root.querySelectorAll("canvas[data-stacked-chart]").forEach((canvas) => {
      if (canvas.dataset.bound) return;
      canvas.dataset.bound = "1";
      const data = readJson(canvas.dataset.stackedChart);
      if (!data) return;
      const horizontal = "chartHorizontal" in canvas.dataset;
      const value = { stacked: true, beginAtZero: true };
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color })),
        },
        options: {
          indexAxis: horizontal ? "y" : "x",
          responsive: true,
          aspectRatio: 5,
          animation: false,
          scales: horizontal ? { x: value, y: { stacked: true } } : { x: { stacked: true }, y: value },
          plugins: { legend: { position: "bottom" } },
        },
      });
    });
  }

  const start = () => initCharts(document);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSettle", (event) => initCharts(event.target));
})();
