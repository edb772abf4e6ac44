// Interaction pages. Strict CSP: no inline scripts; data comes through json_script.
(function () {
  "use strict";

  function readJson(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  // "Start from a template": pre-fill type, subject, description and duration.
  function initTemplatePicker(root) {
    root.querySelectorAll("select[data-template-picker]").forEach((picker) => {
      if (picker.dataset.bound) return;
      picker.dataset.bound = "1";
      const templates = readJson(picker.dataset.templatePicker) || [];
      picker.addEventListener("change", () => {
        const chosen = templates.find((t) => t.id === picker.value);
        const form = picker.form;
        if (!chosen || !form) return;
        const set = (name, value) => {
          const field = form.elements.namedItem(name);
          if (field && value !== null && value !== undefined && value !== "") field.value = value;
        };
        set("type", chosen.type);
        set("subject", chosen.subject);
        set("description", chosen.description);
        set("duration", chosen.duration);
      });
    });
  }

  // The planned-vs-done bar chart.
  function initCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart-source]").forEach((canvas) => {
      if (canvas.dataset.bound) return;
      canvas.dataset.bound = "1";
      const data = readJson(canvas.dataset.chartSource);
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
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
    });
  }

  function init(root) {
    initTemplatePicker(root);
    initCharts(root);
  }

  document.addEventListener("DOMContentLoaded", () => {
    init(document);
    document.body.addEventListener("htmx:afterSwap", (event) => init(event.target));
  });
})();
