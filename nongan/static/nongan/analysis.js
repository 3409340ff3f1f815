/* 分析评价 dashboard — draws what the server built (no build step, no inline script).
 *
 *   <script id="analysis-charts" type="application/json">  {chart id: {option, height}}:
 *       ECharts options, drawn into the element of that id; a data item with `url` opens
 *       the records behind it when clicked.
 *   <script id="analysis-map" type="application/json">     {towns, levels, strings}:
 *       one circle per town with open warnings, coloured by its highest level, sized by
 *       their number, its popup linking to them. #warning-map[data-tiles] adds a tile layer.
 */
(function () {
  "use strict";

  function json(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function esc(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function drawCharts() {
    var specs = json("analysis-charts");
    if (!specs || typeof echarts === "undefined") return;
    var charts = [];
    Object.keys(specs).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      el.style.height = specs[id].height + "px";
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(specs[id].option);
      chart.on("click", function (p) {
        if (p.data && p.data.url) window.location.href = p.data.url;
      });
      charts.push(chart);
    });
    var resize = function () { charts.forEach(function (c) { c.resize(); }); };
    if (typeof ResizeObserver !== "undefined") {
      var observer = new ResizeObserver(resize);
      charts.forEach(function (c) { observer.observe(c.getDom()); });
    } else {
      window.addEventListener("resize", resize);
    }
  }

  function popup(town, data) {
    var html = '<div class="warning-popup"><strong>' + esc(town.name) + "</strong>" +
      esc(data.strings.total) + "：" + esc(town.total) + "<ul>";
    Object.keys(town.counts).forEach(function (level) {
      if (town.counts[level]) {
        html += "<li>" + esc(data.levels[level]) + "：" + esc(town.counts[level]) + "</li>";
      }
    });
    return html + '</ul><a href="' + esc(town.records) + '">' + esc(data.strings.open) +
      "</a></div>";
  }

  function drawMap() {
    var el = document.getElementById("warning-map");
    var data = json("analysis-map");
    if (!el || !data || typeof L === "undefined") return;
    var map = L.map(el, { scrollWheelZoom: false }).setView([31.2, 121.47], 9);
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    var points = [];
    data.towns.forEach(function (town) {
      var point = [town.lat, town.lon];
      points.push(point);
      L.circleMarker(point, {
        radius: 6 + 4 * Math.sqrt(town.total), color: town.colour, weight: 2,
        fillColor: town.colour, fillOpacity: 0.45
      }).bindTooltip(esc(town.name)).bindPopup(popup(town, data)).addTo(map);
    });
    if (points.length) map.fitBounds(points, { padding: [30, 30], maxZoom: 12 });
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(el);
    }
  }

  drawCharts();
  drawMap();
})();
