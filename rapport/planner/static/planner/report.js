// Execution discipline chart (Chart.js); data from json_script, no inline scripts.
(function () {
  "use strict";
  function start() {
    const canvas = document.getElementById("rp-discipline-chart");
    const source = document.getElementById("rp-discipline-data");
    if (!canvas || !source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color })),
      },
      options: {
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
