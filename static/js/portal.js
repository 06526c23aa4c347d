/* The patient portal's scores chart. Data comes from <script type="application/json" id="score-data">
   (no inline JS: the CSP forbids it); the table beside the chart holds the same numbers. */
(function () {
  "use strict";
  var block = document.getElementById("score-data");
  if (!block || typeof window.Chart === "undefined") { return; }
  var series;
  try { series = JSON.parse(block.textContent); } catch (e) { return; }
  var colours = { phq9: "#22577a", gad7: "#8a4b00", pcl5: "#1e5e2f" };
  series.forEach(function (s) {
    var canvas = document.querySelector('canvas[data-score-chart="' + s.code + '"]');
    if (!canvas) { return; }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: s.points.map(function (p) { return p.label; }),
        datasets: [{
          label: s.name + " score",
          data: s.points.map(function (p) { return p.total; }),
          borderColor: colours[s.code] || "#22577a",
          backgroundColor: colours[s.code] || "#22577a",
          pointRadius: 5,
          tension: 0
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: s.max, title: { display: true, text: "Score (lower is better)" } } },
        plugins: {
          legend: { display: true },
          tooltip: { callbacks: { afterLabel: function (ctx) { return s.points[ctx.dataIndex].band; } } }
        }
      }
    });
  });
}());
