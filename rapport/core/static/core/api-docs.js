/* Initialises Swagger UI on /api/v1/docs/ from the data attributes of #swagger-ui.
   A static file, so that the page works under the strict Content-Security-Policy. */
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  const config = root.dataset;

  // Unsafe requests made with the browser session need the CSRF token; requests
  // authorised with a bearer token ("Authorize" button) do not use it.
  const requestInterceptor = (request) => {
    if (!["GET", "HEAD", "OPTIONS", undefined].includes(request.method) &&
        config.csrfHeader && config.csrfToken) {
      request.headers[config.csrfHeader] = config.csrfToken;
    }
    return request;
  };

  window.ui = window.SwaggerUIBundle({
    url: config.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    deepLinking: true,
    persistAuthorization: true,
    requestInterceptor,
  });
})();
