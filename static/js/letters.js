// Letter pages: "select all" on the queue, and the send-time field of the approval form.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("[data-select-all]")) {
    var name = target.getAttribute("data-select-all");
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]:not(:disabled)').forEach(function (box) {
      box.checked = target.checked;
    });
  }
  if (target.name === "when") {
    var chosen = document.querySelector('input[name="when"][value="chosen"]');
    var sendAt = document.getElementById("id_send_at");
    if (sendAt && chosen) { sendAt.required = chosen.checked; }
  }
});
