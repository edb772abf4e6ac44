// The sales funnel chart: horizontal bars, centred, widest at the top (a funnel).
// Strict CSP: no inline scripts; the data comes through json_script.
(function () {
  "use strict";

  function readJson(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function initFunnel(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-funnel-source]").forEach((canvas) => {
      if (canvas.dataset.bound) return;
      canvas.dataset.bound = "1";
      const data = readJson(canvas.dataset.funnelSource);
      if (!data) return;
      // Floating bars [-v/2, v/2] centre every stage on the axis: the funnel shape.
      const bars = data.values.map((v) => [-v / 2, v / 2]);
      const palette = ["#0d6efd", "#3d8bfd", "#6ea8fe", "#9ec5fe", "#cfe2ff"];
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [{
            label: data.label,
            data: bars,
            backgroundColor: data.values.map((_v, i) => palette[Math.min(i, palette.length - 1)]),
            barPercentage: 0.95,
            categoryPercentage: 1.0,
          }],
        },
        options: {
          indexAxis: "y",
          responsive: true,
          maintainAspectRatio: true,
          aspectRatio: 3,
          animation: false,
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                label: (ctx) => `${data.label}: ${data.values[ctx.dataIndex]}`,
              },
            },
          },
          scales: { x: { display: false }, y: { grid: { display: false } } },
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    initFunnel(document);
    document.body.addEventListener("htmx:afterSwap", (event) => initFunnel(event.target));
  });
})();
