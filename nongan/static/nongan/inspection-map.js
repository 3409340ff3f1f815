/* The place of the inspection on the plot map: a dot and its GPS accuracy circle; once
   map.js has fitted the view to the plots, widen it so the dot shows too. */
(function () {
  "use strict";
  function place() {
    var el = document.getElementById("inspection-map");
    if (!el || typeof L === "undefined" || !window.nonganMaps) return;
    var map = el._nonganMap || window.nonganMaps.init(el);
    if (!map) return;
    var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    if (isNaN(at[0]) || isNaN(at[1])) return;
    var accuracy = parseFloat(el.dataset.accuracy);
    var pane = map.getPane("nongan-here") || map.createPane("nongan-here");
    pane.style.zIndex = 660;  // above the plot labels (tooltip pane, 650)
    var layers = [];
    if (accuracy > 0) {
      layers.push(L.circle(at, { radius: accuracy, color: "#2563eb", weight: 1,
                                 fillOpacity: 0.12, interactive: false }));
    }
    layers.push(L.marker(at, {
      pane: "nongan-here", keyboard: false, title: el.dataset.label || "",
      icon: L.divIcon({ className: "inspection-dot", html: "<span></span>", iconSize: [16, 16] })
    }).bindTooltip(el.dataset.label || "", { direction: "top", offset: [0, -8] }));
    var here = L.featureGroup(layers).addTo(map);
    map.on("layeradd", function (e) {
      if (!(e.layer instanceof L.GeoJSON)) return;
      setTimeout(function () {
        var bounds = e.layer.getBounds();
        bounds = bounds.isValid() ? bounds.extend(here.getBounds()) : here.getBounds();
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 });
      }, 0);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", place);
  else place();
})();
