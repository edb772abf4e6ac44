// Loaded before FullCalendar. Strict CSP blocks the <style> element FullCalendar fills
// with its rules; hand its placeholder a same-origin stylesheet (filled through the CSSOM).
(function () {
  "use strict";
  const holder = document.querySelector("style[data-fullcalendar]");
  const link = document.getElementById("rp-fc-sheet");
  if (holder && link) Object.defineProperty(holder, "sheet", { get: () => link.sheet });
})();
