/* The series' last months: samples tested (bars) and failing (line). */
(function () {
  "use strict";
  var el = document.getElementById("history-chart");
  if (!el || typeof echarts === "undefined") return;
  var rows = JSON.parse(document.getElementById("history-data").textContent);
  var tested = el.dataset.tested || "", failing = el.dataset.failing || "";
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 36, right: 36, top: 28, bottom: 40 },
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [tested, failing] },
    xAxis: { type: "category", data: rows.map(function (r) { return r[0]; }) },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", minInterval: 1 }],
    series: [
      { type: "bar", name: tested, yAxisIndex: 1, data: rows.map(function (r) { return r[2]; }), itemStyle: { color: "#cbd5e1" } },
      { type: "line", name: failing, data: rows.map(function (r) { return r[1]; }), itemStyle: { color: "#b91c1c" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
