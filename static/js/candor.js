// Candor's small helpers. Loaded from a file: the CSP forbids inline scripts.
document.addEventListener("htmx:configRequest", function (event) {
  // Send the CSRF token with every htmx request.
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
});
// Buttons with data-confirm ask before submitting.
document.addEventListener("submit", function (event) {
  var submitter = event.submitter;
  var message = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
