/*
 * 「台帳の概要」 (/staff/overview/, issue 11 §3): draws each figure's chart with Chart.js
 * (npm, served as vendor/chartjs/chart.umd.min.js — no CDN).
 *
 * The numbers come from the page itself: each <canvas data-chart="ID"> names the
 * <script type="application/json" id="ID"> that Django's json_script wrote (the CSP allows no
 * inline script). The table beside each chart has the same numbers and is the source of
 * truth; the canvas is a picture of it (role="img" with a summary), shown only once drawn.
 *
 * Colours: the Okabe–Ito palette, told apart with every kind of colour-blindness; the first
 * two (blue, orange) are the pair a stacked bar uses. Where the Digital Agency's design tokens
 * are on the page (vendor/dads/tokens.css), the text colour and blue come from them.
 */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return; // the script did not load: the tables stand alone
  }
  var Chart = window.Chart;

  var root = getComputedStyle(document.documentElement);
  function token(name, fallback) {
    var value = root.getPropertyValue(name).trim();
    return value || fallback;
  }

  var PALETTE = [
    token("--color-primitive-blue-900", "#0072B2"),
    "#E69F00", // orange
    "#009E73", // bluish green
    "#CC79A7", // reddish purple
    "#56B4E9", // sky blue
    "#D55E00", // vermillion
  ];
  var TEXT = token("--color-neutral-solid-gray-800", "#1a1a1a");
  var GRID = "rgba(0, 0, 0, 0.12)";

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = TEXT;
  Chart.defaults.animation = false; // no motion; the picture is there at once (and printable)

  function height(kind, labels, narrow) {
    if (kind === "bar") {
      // Horizontal bars: one band per row, room for the legend and the axis.
      return Math.max(160, labels * (narrow ? 34 : 30) + 90);
    }
    return narrow ? 240 : 300;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var horizontal = data.type === "bar";
    var line = data.type === "line";
    var narrow = window.matchMedia("(max-width: 575.98px)").matches;

    var box = canvas.parentElement;
    box.style.position = "relative";
    box.style.width = "100%";
    box.style.height = height(data.type, data.labels.length, narrow) + "px";

    var datasets = data.datasets.map(function (set, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: set.label,
        data: set.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: line ? 3 : 0,
        pointRadius: line ? 2 : 0,
        tension: 0,
        maxBarThickness: 36,
      };
    });
    var valueAxis = {
      stacked: data.stacked,
      beginAtZero: true,
      grid: { color: GRID },
      ticks: { precision: 0 }, // counts: whole numbers only
    };
    var labelAxis = {
      stacked: data.stacked,
      grid: { display: false },
      ticks: { autoSkip: true, maxRotation: 0 },
    };

    canvas.hidden = false;
    new Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          // One series: its name is the table's column header; a legend would only repeat it.
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: { enabled: true },
        },
      },
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
