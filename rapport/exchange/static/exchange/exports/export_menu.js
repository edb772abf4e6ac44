// The "Export" menu of list pages exports the list as it is filtered now: searches typed
// after the page loaded update the address bar (hx-push-url), so take the query from there.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("form[data-export-form]")) {
      return;
    }
    var input = form.querySelector("input[data-export-query]");
    if (!input) {
      return;
    }
    var params = new URLSearchParams(window.location.search);
    params.delete("cursor");
    input.value = params.toString();
  });
})();
