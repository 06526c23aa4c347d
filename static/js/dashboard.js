/* The continuity dashboard's trend chart: one line per rule, compliance rate by ISO week.
   Data come from <script type="application/json" id="trend-data">; the table below the chart
   holds the same figures for anyone who cannot see it. */
(function () {
  "use strict";
  var source = document.getElementById("trend-data");
  var canvas = document.getElementById("trend-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#22577a", "#b5401f", "#38812f", "#8a4b00", "#6a3d9a", "#1f6f8b",
                 "#a0215a", "#4a4a4a", "#7a6a00", "#0b6e4f", "#c2185b"];
  var dashes = [[], [6, 3], [2, 2]];
  data.datasets.forEach(function (set, i) {
    set.borderColor = palette[i % palette.length];
    set.backgroundColor = palette[i % palette.length];
    set.borderDash = dashes[i % dashes.length];
    set.spanGaps = true;
    set.tension = 0.2;
  });
  new Chart(canvas, {
    type: "line",
    data: data,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "nearest", intersect: false },
      scales: { y: { min: 0, max: 100, title: { display: true, text: "Compliant (%)" } } },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: function (ctx) {
          return ctx.dataset.label + ": " + (ctx.parsed.y === null ? "no items" : ctx.parsed.y + "%");
        } } }
      }
    }
  });
}());
