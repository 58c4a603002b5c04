// Charts of the Insight page. The figures come from a JSON block (json_script); the
// same figures are in tables on the page, so the charts are an addition, not the only way.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("insight-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#0d6efd", "#6f42c1", "#dc3545", "#198754", "#fd7e14"];
  var funnel = document.getElementById("funnel-chart");
  if (funnel) {
    new Chart(funnel, {
      type: "bar",
      data: {
        labels: data.funnel.labels,
        datasets: data.funnel.series.map(function (series, i) {
          return { label: series.label, data: series.data, backgroundColor: colours[i % colours.length] };
        })
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  var ratings = document.getElementById("ratings-chart");
  if (ratings) {
    new Chart(ratings, {
      type: "bar",
      data: { labels: data.ratings.labels, datasets: [{ label: "Ratings", data: data.ratings.data, backgroundColor: "#0d6efd" }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
});
