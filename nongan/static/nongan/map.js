/* nongan maps — small vanilla JS over Leaflet (no build step).
 *
 *   div.map[data-geojson="URL"]   loads a FeatureCollection of plots and shows it
 *   div.map[data-feature="JSON"]  the same, inline (a Feature, FeatureCollection or geometry)
 *   [data-draw-target="#input"]   adds Leaflet.draw tools; the drawn polygon is written to the
 *                                 input as GeoJSON geometry (and read from it at start)
 *   [data-area-output="#el"]      shows the drawn area in mu there
 *   [data-tiles="URL template"]   a tile layer; without it the map is outline-only (no internet
 *                                 is assumed), on a plain background with a scale bar
 *   [data-center="lat,lon"]       where to look when there is nothing to fit
 *
 * Texts come translated from <script id="nongan-map-strings" type="application/json">.
 */
(function () {
  "use strict";

  var SHANGHAI = [31.2, 121.47];
  var SQ_M_PER_MU = 10000 / 15;
  var LABEL_MIN_ZOOM = 14;
  var STYLES = {
    plot: { color: "#15803d", weight: 2, fillColor: "#22c55e", fillOpacity: 0.3 },
    current: { color: "#c2410c", weight: 3, fillColor: "#fb923c", fillOpacity: 0.35 },
    overlap: { color: "#b91c1c", weight: 2, dashArray: "6 4", fillColor: "#ef4444", fillOpacity: 0.2 },
    context: { color: "#64748b", weight: 1.5, fillColor: "#94a3b8", fillOpacity: 0.15 },
    flagged: { color: "#b91c1c", weight: 2, fillColor: "#22c55e", fillOpacity: 0.3 }
  };
  var T = null;

  function texts() {
    if (T === null) {
      var el = document.getElementById("nongan-map-strings");
      try { T = el ? JSON.parse(el.textContent) : {}; } catch (e) { T = {}; }
      T.draw = T.draw || {};
    }
    return T;
  }

  function t(key, fallback) { var v = texts()[key]; return v == null ? fallback : v; }

  function esc(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function styleOf(feature) {
    var p = (feature && feature.properties) || {};
    if (p.role && STYLES[p.role]) return STYLES[p.role];
    return p.overlaps && p.overlaps.length ? STYLES.flagged : STYLES.plot;
  }

  function popupHtml(p) {
    var mu = " " + esc(t("mu", "亩"));
    var html = "<strong>" + esc(p.plot_no) + "</strong>";
    if (p.crop) html += "<br>" + esc(t("crop", "作物")) + "：" + esc(p.crop);
    if (p.area_mu != null) html += "<br>" + esc(t("area", "测算面积")) + "：" + esc(p.area_mu) + mu;
    if (p.declared_area_mu != null) {
      html += "<br>" + esc(t("declared", "申报面积")) + "：" + esc(p.declared_area_mu) + mu;
    }
    if (p.overlaps && p.overlaps.length) {
      html += '<br><span class="map-warn">' + esc(t("overlaps", "与他人地块重叠")) + "：" +
        esc(p.overlaps.join("、")) + "</span>";
    }
    if (p.url) html += '<br><a href="' + esc(p.url) + '">' + esc(t("open", "查看地块")) + "</a>";
    return html;
  }

  function parse(text) {
    if (!text) return null;
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function isEmpty(data) {
    return !data || (data.type === "FeatureCollection" && !(data.features || []).length);
  }

  function note(map, message) {
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "map-note");
      div.textContent = message;
      return div;
    };
    control.addTo(map);
    return control;
  }

  function showFeatures(map, data, group) {
    return L.geoJSON(data, {
      style: styleOf,
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        if (!p.plot_no) return;
        layer.bindTooltip(esc(p.plot_no), {
          permanent: true, direction: "center", className: "plot-label", opacity: 1
        });
        layer.bindPopup(popupHtml(p));
      }
    }).addTo(group);
  }

  function fit(map, layer, fallback) {
    var bounds = layer && layer.getBounds ? layer.getBounds() : null;
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 });
      return true;
    }
    if (fallback) map.setView(fallback, 15);
    else map.setView(SHANGHAI, 9);
    return false;
  }

  function centerOf(el) {
    var parts = (el.dataset.center || "").split(",").map(Number);
    return parts.length === 2 && !isNaN(parts[0]) && !isNaN(parts[1]) ? parts : null;
  }

  function toggleLabels(map, el) {
    el.classList.toggle("labels-hidden", map.getZoom() < LABEL_MIN_ZOOM);
  }

  // --- drawing ---------------------------------------------------------------------------

  function localiseDraw() {
    var d = texts().draw, dl = L.drawLocal;
    if (!dl || !d) return;
    function set(obj, key, value) { if (obj && value) obj[key] = value; }
    set(dl.draw.toolbar.buttons, "polygon", d.polygon);
    set(dl.draw.toolbar.buttons, "rectangle", d.rectangle);
    set(dl.draw.toolbar.actions, "title", d.cancel);
    set(dl.draw.toolbar.actions, "text", d.cancel);
    set(dl.draw.toolbar.finish, "title", d.finish);
    set(dl.draw.toolbar.finish, "text", d.finish);
    set(dl.draw.toolbar.undo, "title", d.undo);
    set(dl.draw.toolbar.undo, "text", d.undo);
    set(dl.draw.handlers.polygon.tooltip, "start", d.start);
    set(dl.draw.handlers.polygon.tooltip, "cont", d.cont);
    set(dl.draw.handlers.polygon.tooltip, "end", d.end);
    set(dl.draw.handlers.polyline, "error", d.intersect);
    set(dl.draw.handlers.rectangle.tooltip, "start", d.rect_start);
    set(dl.draw.handlers.simpleshape.tooltip, "end", d.rect_end);
    set(dl.edit.toolbar.actions.save, "title", d.save);
    set(dl.edit.toolbar.actions.save, "text", d.save);
    set(dl.edit.toolbar.actions.cancel, "title", d.cancel);
    set(dl.edit.toolbar.actions.cancel, "text", d.cancel);
    set(dl.edit.toolbar.actions.clearAll, "title", d.clear_all);
    set(dl.edit.toolbar.actions.clearAll, "text", d.clear_all);
    set(dl.edit.toolbar.buttons, "edit", d.edit);
    set(dl.edit.toolbar.buttons, "editDisabled", d.none_to_edit);
    set(dl.edit.toolbar.buttons, "remove", d.remove);
    set(dl.edit.toolbar.buttons, "removeDisabled", d.none_to_edit);
    set(dl.edit.handlers.edit.tooltip, "text", d.edit_tip);
    set(dl.edit.handlers.edit.tooltip, "subtext", d.edit_sub);
    set(dl.edit.handlers.remove.tooltip, "text", d.remove_tip);
  }

  // m² of a ring (LatLng[]), a polygon (ring[]; holes subtracted) or a multipolygon.
  function areaM2(latlngs) {
    if (!latlngs || !latlngs.length) return 0;
    if (latlngs[0] instanceof L.LatLng) return L.GeometryUtil.geodesicArea(latlngs);
    if (latlngs[0][0] instanceof L.LatLng) {
      var area = areaM2(latlngs[0]);
      for (var i = 1; i < latlngs.length; i++) area -= areaM2(latlngs[i]);
      return area;
    }
    return latlngs.reduce(function (sum, polygon) { return sum + areaM2(polygon); }, 0);
  }

  function initDraw(map, el) {
    var input = document.querySelector(el.dataset.drawTarget);
    if (!input || !L.Control || !L.Control.Draw) return null;
    localiseDraw();
    var output = el.dataset.areaOutput ? document.querySelector(el.dataset.areaOutput) : null;
    var editable = new L.FeatureGroup().addTo(map);
    var geometry = parse(input.value);
    if (geometry) {
      L.geoJSON(geometry, { style: STYLES.current }).eachLayer(function (layer) {
        editable.addLayer(layer);
      });
    }

    function sync() {
      var layers = editable.getLayers();
      if (!layers.length) {
        input.value = "";
        if (output) output.textContent = "";
        return;
      }
      input.value = JSON.stringify(layers[0].toGeoJSON().geometry);
      if (output && L.GeometryUtil && L.GeometryUtil.geodesicArea) {
        var mu = areaM2(layers[0].getLatLngs()) / SQ_M_PER_MU;
        output.textContent = t("drawn_area", "所绘面积约") + " " + mu.toFixed(2) + " " + t("mu", "亩");
      }
    }

    var shape = STYLES.current;
    new L.Control.Draw({
      position: "topleft",
      draw: {
        polygon: {
          allowIntersection: false, showArea: false, shapeOptions: shape,
          drawError: { color: "#b91c1c", message: texts().draw.intersect || "" }
        },
        // showArea stays off: Leaflet.draw 1.0.4's area text throws ("type is not defined").
        rectangle: { showArea: false, shapeOptions: shape },
        polyline: false, circle: false, marker: false, circlemarker: false
      },
      edit: { featureGroup: editable, remove: true }
    }).addTo(map);

    map.on(L.Draw.Event.CREATED, function (e) {
      editable.clearLayers();  // one outline per plot: a new drawing replaces the old
      editable.addLayer(e.layer);
      sync();
    });
    map.on(L.Draw.Event.EDITED + " " + L.Draw.Event.DELETED, sync);
    if (geometry) sync();
    return editable;
  }

  function addLocate(map) {
    if (!navigator.geolocation) return;
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var bar = L.DomUtil.create("div", "leaflet-bar map-locate");
      var button = L.DomUtil.create("a", "", bar);
      button.href = "#";
      button.setAttribute("role", "button");
      button.title = t("locate", "定位到我的位置");
      button.setAttribute("aria-label", button.title);
      button.textContent = "◎";
      L.DomEvent.on(button, "click", function (e) {
        L.DomEvent.preventDefault(e);
        L.DomEvent.stopPropagation(e);
        map.locate({ setView: true, maxZoom: 17, enableHighAccuracy: true });
      });
      return bar;
    };
    control.addTo(map);
    var marker = null;
    map.on("locationfound", function (e) {
      if (marker) map.removeLayer(marker);
      marker = L.circle(e.latlng, { radius: e.accuracy, color: "#2563eb", weight: 1,
                                    fillOpacity: 0.1, interactive: false }).addTo(map);
    });
    map.on("locationerror", function () { note(map, t("locate_failed", "无法获取位置")); });
  }

  // --- maps ------------------------------------------------------------------------------

  function initMap(el) {
    if (el._nonganMap || typeof L === "undefined") return;
    var tiles = el.dataset.tiles || "";
    var map = L.map(el, {
      minZoom: 3, maxZoom: 19, zoomSnap: 0.25, attributionControl: !!tiles
    });
    el._nonganMap = map;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    } else {
      el.classList.add("map-blank");
    }
    L.control.scale({ imperial: false, metric: true, maxWidth: 120 }).addTo(map);
    map.on("zoomend", function () { toggleLabels(map, el); });

    var shown = L.featureGroup().addTo(map);
    var drawing = el.dataset.drawTarget ? initDraw(map, el) : null;
    if (drawing) addLocate(map);
    var center = centerOf(el);

    function settle(data) {
      if (data) showFeatures(map, data, shown);
      var target = drawing && drawing.getLayers().length ? drawing : shown;
      fit(map, target, center);
      toggleLabels(map, el);
      if (!drawing && isEmpty(data)) note(map, t("no_plots", "暂无地块"));
    }

    if (el.dataset.geojson) {
      map.setView(center || SHANGHAI, center ? 15 : 9);
      fetch(el.dataset.geojson, {
        credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" }
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(settle).catch(function () {
        note(map, t("load_failed", "地块数据加载失败"));
      });
    } else {
      settle(parse(el.dataset.feature));
    }
    return map;
  }

  function scan(root) {
    (root || document).querySelectorAll("div.map").forEach(initMap);
  }

  window.nonganMaps = { init: initMap, scan: scan };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(); });
  } else {
    scan();
  }
  document.addEventListener("htmx:load", function (e) {
    if (e.detail && e.detail.elt && e.detail.elt.querySelectorAll) scan(e.detail.elt);
  });
})();
