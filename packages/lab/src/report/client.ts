/**
 * The browser side of the report: plain JavaScript, inlined into
 * `index.html` after chart.js, that turns each chart spec (see
 * `../experiment.ts`) into a chart.js configuration and draws it on its
 * canvas. Animation is off so a chart is complete as soon as the page loads
 * (and a screenshot or a test sees it drawn).
 *
 * @internal
 * @module
 */

/** The script. It reads the specs from `<script id="juggle-charts" type="application/json">`. */
export const clientScript = String.raw`
(function () {
  "use strict";
  var palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  var specs = JSON.parse(document.getElementById("juggle-charts").textContent);
  Chart.defaults.animation = false;
  Chart.defaults.font.family = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif";
  Chart.defaults.maintainAspectRatio = false;

  function axis(title, extra) {
    var a = extra || {};
    if (title) a.title = { display: true, text: title };
    return a;
  }

  function bar(spec) {
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: palette[i % palette.length], juggleErrors: s.errors };
        }),
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { display: spec.series.length > 1 } },
        scales: spec.horizontal
          ? { x: axis(spec.yLabel, { stacked: !!spec.stacked, type: spec.logY ? "logarithmic" : "linear" }), y: axis(spec.xLabel, { stacked: !!spec.stacked }) }
          : { x: axis(spec.xLabel, { stacked: !!spec.stacked }), y: axis(spec.yLabel, { stacked: !!spec.stacked, type: spec.logY ? "logarithmic" : "linear" }) },
      },
    };
  }

  function line(spec) {
    return {
      type: spec.scatter ? "scatter" : "line",
      data: {
        datasets: spec.series.map(function (s, i) {
          var c = palette[i % palette.length];
          return {
            label: s.label,
            data: s.points.map(function (p) { return { x: p[0], y: p[1] }; }),
            borderColor: c,
            backgroundColor: c,
            showLine: !spec.scatter,
            pointRadius: spec.scatter ? 2 : s.points.length > 60 ? 0 : 3,
            borderWidth: 2,
            tension: 0,
            juggleErrors: s.ranges,
          };
        }),
      },
      options: {
        plugins: { legend: { display: spec.series.length > 1 } },
        scales: {
          x: axis(spec.xLabel, { type: spec.logX ? "logarithmic" : "linear", ticks: spec.integerX ? { stepSize: 1, precision: 0 } : {} }),
          y: axis(spec.yLabel, { type: spec.logY ? "logarithmic" : "linear", min: spec.yMin, max: spec.yMax }),
        },
      },
    };
  }

  function chronology(spec) {
    var labels = spec.spans.map(function (_, i) { return i; });
    return {
      type: "bar",
      data: {
        labels: labels,
        datasets: [{
          label: "request",
          data: spec.spans.map(function (s) { return [s.start, s.end]; }),
          backgroundColor: spec.spans.map(function (s) { return s.ok === false ? "#e15759" : "#4e79a7"; }),
          // Thin lines like the book's figures when there are few requests, touching bars when many.
          barPercentage: spec.spans.length < 60 ? 0.35 : 1,
          categoryPercentage: 1,
          minBarLength: 1,
        }],
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) { var v = ctx.raw; return "request " + ctx.label + ": " + v[0].toFixed(1) + " to " + v[1].toFixed(1) + " ms"; } } },
        },
        scales: {
          x: axis(spec.xLabel || "time since start (ms)", { type: "linear", min: 0 }),
          y: axis(spec.yLabel || "request", { reverse: true, ticks: { autoSkip: true, maxTicksLimit: 10 } }),
        },
      },
    };
  }

  // Error bars: [min, max] of the repeated runs behind each bar or point,
  // drawn as a vertical line with caps (chart.js has none of its own).
  var errorBars = {
    id: "juggleErrorBars",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var horizontal = chart.options.indexAxis === "y";
      chart.data.datasets.forEach(function (ds, d) {
        if (!ds.juggleErrors) return;
        var meta = chart.getDatasetMeta(d);
        if (meta.hidden) return;
        var scale = chart.scales[horizontal ? meta.xAxisID : meta.yAxisID];
        ctx.save();
        ctx.strokeStyle = "#222";
        ctx.lineWidth = 1.5;
        meta.data.forEach(function (el, i) {
          var r = ds.juggleErrors[i];
          if (!r) return;
          var a = scale.getPixelForValue(r[0]);
          var b = scale.getPixelForValue(r[1]);
          ctx.beginPath();
          if (horizontal) {
            ctx.moveTo(a, el.y); ctx.lineTo(b, el.y);
            ctx.moveTo(a, el.y - 4); ctx.lineTo(a, el.y + 4);
            ctx.moveTo(b, el.y - 4); ctx.lineTo(b, el.y + 4);
          } else {
            ctx.moveTo(el.x, a); ctx.lineTo(el.x, b);
            ctx.moveTo(el.x - 4, a); ctx.lineTo(el.x + 4, a);
            ctx.moveTo(el.x - 4, b); ctx.lineTo(el.x + 4, b);
          }
          ctx.stroke();
        });
        ctx.restore();
      });
    },
  };
  Chart.register(errorBars);

  var build = { bar: bar, line: line, chronology: chronology };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = specs[Number(canvas.getAttribute("data-chart"))];
    new Chart(canvas, build[spec.kind](spec));
  });
})();
`;
