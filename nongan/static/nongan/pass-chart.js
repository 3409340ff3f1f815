/* Pass rate by district (%), one bar each; the chart follows the page width. */
(function () {
  "use strict";
  var el = document.getElementById("pass-chart");
  if (!el || typeof echarts === "undefined") return;
  var data = JSON.parse(document.getElementById("pass-chart-data").textContent);
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 40, right: 12, top: 24, bottom: 64 },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
    xAxis: { type: "category", data: data.districts, axisLabel: { interval: 0, rotate: data.districts.length > 4 ? 40 : 0 } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "bar", name: el.getAttribute("aria-label"), data: data.rates, itemStyle: { color: "#1f6f43" },
               label: { show: true, position: "top", formatter: function (p) { return p.value == null ? "" : p.value + "%"; } } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
