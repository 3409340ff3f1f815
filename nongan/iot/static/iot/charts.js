/* 物联网监测: line charts of sensor readings (no build step).
 *
 *   <div class="iot-chart" data-url="/iot/sensors/12/readings.json?days=7"></div>
 *       fetched as {label, unit, digits, low, high, start, end, thinned, points:
 *       [[epoch ms, value], …]} and drawn with its thresholds as dashed lines; the
 *       `.small` ones (the producer page) with fewer labels.
 *   <p data-chart-note="<chart id>">  gets a note when the chart is empty or thinned.
 *   <script id="iot-chart-strings" type="application/json">  {low, high, empty, thinned}.
 */
(function () {
  "use strict";

  function strings() {
    var el = document.getElementById("iot-chart-strings");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }

  function note(el, text) {
    if (!el.id) return;
    var target = document.querySelector('[data-chart-note="' + el.id + '"]');
    if (target) target.textContent = text || "";
  }

  function range(data) {
    var values = data.points.map(function (p) { return p[1]; });
    if (data.low !== null) values.push(data.low);
    if (data.high !== null) values.push(data.high);
    if (!values.length) return {};
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1;
    var digits = Math.max(0, data.digits);
    var round = function (v) { return Number(v.toFixed(digits)); };
    return { min: round(lo - pad), max: round(hi + pad) };
  }

  function option(data, s, small) {
    var lines = [];
    if (data.low !== null) lines.push({ yAxis: data.low, label: { formatter: (s.low || "low") + " " + data.low } });
    if (data.high !== null) lines.push({ yAxis: data.high, label: { formatter: (s.high || "high") + " " + data.high } });
    var unit = data.unit ? " " + data.unit : "";
    var r = range(data);
    return {
      animation: false,
      grid: small ? { left: 40, right: 12, top: 16, bottom: 24 } : { left: 48, right: 16, top: 28, bottom: 40 },
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) { return v == null ? "—" : Number(v).toFixed(data.digits) + unit; }
      },
      xAxis: { type: "time", min: data.start, max: data.end, axisLabel: { hideOverlap: true, fontSize: small ? 10 : 12 } },
      yAxis: { type: "value", min: r.min, max: r.max, name: small ? "" : data.unit, axisLabel: { fontSize: small ? 10 : 12 } },
      series: [{
        type: "line", name: data.label, data: data.points, showSymbol: false, sampling: "lttb",
        lineStyle: { width: 1.5 }, itemStyle: { color: "#15803d" },
        markLine: {
          symbol: "none", silent: true, data: lines,
          lineStyle: { type: "dashed", color: "#dc2626" },
          label: { position: "insideEndTop", color: "#b91c1c", fontSize: small ? 10 : 12 }
        }
      }]
    };
  }

  function draw(el, s) {
    if (el.dataset.drawn) return;
    el.dataset.drawn = "1";
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var chart = echarts.init(el);
        chart.setOption(option(data, s, el.classList.contains("small")));
        note(el, !data.points.length ? s.empty : (data.thinned ? s.thinned : ""));
        if (typeof ResizeObserver !== "undefined") {
          new ResizeObserver(function () { chart.resize(); }).observe(el);
        } else {
          window.addEventListener("resize", function () { chart.resize(); });
        }
      })
      .catch(function () { note(el, s.empty); });
  }

  function start() {
    if (typeof echarts === "undefined") return;
    var s = strings();
    Array.prototype.forEach.call(document.querySelectorAll(".iot-chart[data-url]"), function (el) {
      draw(el, s);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
