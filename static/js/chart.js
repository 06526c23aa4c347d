// The scores chart of the patient chart page: PHQ-9, GAD-7 and PCL-5 totals over time, with
// each dosing session drawn as a dashed vertical line on the same time axis.
// Data comes from <script type="application/json" id="scores-data"> (no inline JS: CSP).
// x values are the clinic's wall-clock time in ms, encoded as UTC: format them with timeZone UTC.
(function () {
  "use strict";

  const block = document.getElementById("scores-data");
  const canvas = document.getElementById("scores-chart");
  if (!block || !canvas || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(block.textContent);
  const DAY = 24 * 60 * 60 * 1000;
  const dateFormat = new Intl.DateTimeFormat(undefined,
    { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

  // Annotation-free vertical markers: drawn after the datasets, within the chart area.
  const sessionLines = {
    id: "sessionLines",
    afterDatasetsDraw(chart) {
      const { ctx, chartArea: area, scales: { x } } = chart;
      ctx.save();
      ctx.strokeStyle = "#4a4a4a";
      ctx.fillStyle = "#2b2b2b";
      ctx.lineWidth = 1;
      ctx.setLineDash([5, 4]);
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "center";
      data.sessions.forEach((session) => {
        const px = x.getPixelForValue(session.x);
        if (px < area.left || px > area.right) {
          return;
        }
        ctx.beginPath();
        ctx.moveTo(px, area.top + 14);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.fillText(session.label.replace("Session ", "S"), px, area.top + 10);
      });
      ctx.restore();
    },
  };

  const xs = data.sessions.map((s) => s.x);
  data.series.forEach((s) => s.points.forEach((p) => xs.push(p.x)));
  const hasRight = data.series.some((s) => s.code === "pcl5");

  const datasets = data.series.map((s) => ({
    label: s.label,
    data: s.points,
    borderColor: s.colour,
    backgroundColor: s.colour,
    borderDash: s.dash,
    pointRadius: 4,
    pointHoverRadius: 6,
    tension: 0,
    yAxisID: s.code === "pcl5" ? "y2" : "y",
  }));

  // eslint-disable-next-line no-new
  new Chart(canvas, {
    type: "line",
    data: { datasets },
    plugins: [sessionLines],
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: true,
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: {
          type: "linear",
          min: Math.min(...xs) - 3 * DAY,
          max: Math.max(...xs) + 3 * DAY,
          ticks: { maxTicksLimit: 7, callback: (value) => dateFormat.format(new Date(value)) },
        },
        y: {
          min: 0, max: 27, position: "left",
          ticks: { stepSize: 5, includeBounds: false },
          title: { display: true, text: "PHQ-9 / GAD-7 total" },
        },
        y2: {
          display: hasRight, min: 0, max: 80, position: "right",
          grid: { drawOnChartArea: false },
          ticks: { stepSize: 10 },
          title: { display: true, text: "PCL-5 total" },
        },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: { title: (items) => dateFormat.format(new Date(items[0].parsed.x)) },
        },
      },
    },
  });
}());
