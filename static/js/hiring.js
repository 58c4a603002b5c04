// Hiring pages: remove a feedback-point row without a round trip. The formset ignores the
// missing index (blank rows are skipped on the server).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-remove-row]");
  if (!button) { return; }
  var row = button.closest("[data-point-row]");
  if (!row) { return; }
  var next = row.nextElementSibling || row.previousElementSibling;
  row.remove();
  var focusTarget = next && next.querySelector("select, textarea, input");
  if (focusTarget) { focusTarget.focus(); }
});
