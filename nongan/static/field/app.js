/* 农安 现场巡查: the offline field app — the shared core and the inspection form.

   Data flow: the user's producers, plots, checklist templates and sampling kit are copied from
   the API into IndexedDB whenever the network is there, so the app works in a field with none.
   A finished form (inspection here, sampling form in sampling.js) goes into an IndexedDB
   outbox (photos and signature as Blobs) and a sync loop uploads it later. The record's client
   uuid makes every retry safe: the server answers 200 for a record it already has, so nothing
   is ever stored twice.

   sampling.js (loaded after this file) plugs into window.NonganField: it adds a view (a form
   opened from a producer) and a record kind (how the outbox sends and shows its records).
   Both files run their set-up before the app starts at DOMContentLoaded. */
"use strict";

(function () {
  const API = document.body.dataset.api;          // "/api/v1/"
  const LOGIN_URL = document.body.dataset.login;
  const SYNC_EVERY_MS = 30000;
  const STATE_LABELS = { queued: "待同步", synced: "已同步", conflict: "冲突", rejected: "被退回" };
  const YES_NO = [["yes", "是"], ["no", "否"], ["na", "不适用"]];
  // Who makes inspections (permissions.py, "inspection.submit"); who samples what comes
  // from the server in the sampling kit.
  const INSPECTORS = new Set(["district_officer", "town_officer", "grid_worker", "enforcement_officer"]);

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  /* A small DOM builder: text always goes in as text, never as HTML. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key in node && typeof value !== "string") node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  /* ---------- IndexedDB: "data" holds cached API answers, "outbox" the records ---------- */

  let dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open("nongan-field", 1);
        request.onupgradeneeded = () => {
          const db = request.result;
          db.createObjectStore("data", { keyPath: "key" });
          db.createObjectStore("outbox", { keyPath: "uuid" });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  /* Run one request in its own transaction; resolve when the transaction has committed,
     so a record is on disk before the UI says it is saved. */
  async function dbRun(store, mode, makeRequest) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const request = makeRequest(tx.objectStore(store));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const dbGet = (store, key) => dbRun(store, "readonly", (s) => s.get(key));
  const dbAll = (store) => dbRun(store, "readonly", (s) => s.getAll());
  const dbPut = (store, value) => dbRun(store, "readwrite", (s) => s.put(value));

  async function getData(key, fallback) {
    const row = await dbGet("data", key);
    return row ? row.value : fallback;
  }

  const putData = (key, value) => dbPut("data", { key, value, at: new Date().toISOString() });

  /* ---------- the API, with the session cookie and Django's CSRF header ---------- */

  class NeedLogin extends Error {}

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function apiFetch(path, options = {}) {
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    if (options.method && options.method !== "GET") headers["X-CSRFToken"] = csrfToken();
    return fetch(API + path, { credentials: "same-origin", ...options, headers });
  }

  async function getJson(path) {
    const response = await apiFetch(path);
    if (response.status === 401) throw new NeedLogin();
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  /* ---------- dates: ISO 8601 with the phone's own offset (+08:00 in Shanghai) ---------- */

  const pad = (n) => String(n).padStart(2, "0");

  function isoWithOffset(date) {
    const offset = -date.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    const abs = Math.abs(offset);
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
      `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
      `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }

  const localDate = (date) =>
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;

  function shortTime(iso) {
    const d = new Date(iso);
    return `${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  /* crypto.randomUUID exists only on secure origins; a LAN test server over plain http
     still gets a proper random v4 uuid. */
  function newUuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /* ---------- what the app holds in memory (a copy of IndexedDB) ---------- */

  const state = { me: null, producers: [], templates: [], plots: {}, kit: null, outbox: [] };

  const canInspect = () => Boolean(state.me && INSPECTORS.has(state.me.role));
  const canSample = () => Boolean(state.kit && state.kit.kinds && state.kit.kinds.length);

  function setStatus(text, link) {
    const status = $("#data-status");
    status.replaceChildren(text);
    if (link) status.append(" ", el("a", { href: link.href }, link.text));
  }

  async function loadLocal() {
    state.me = await getData("me", null);
    state.producers = await getData("producers", []);
    state.templates = await getData("templates", []);
    state.plots = await getData("plots", {});
    state.kit = await getData("kit", null);
    const row = await dbGet("data", "producers");
    if (row) setStatus(`本机数据：${state.producers.length} 家主体（更新于 ${shortTime(row.at)}）`);
  }

  /* Every page of the producers the user may see (grid workers: their village). */
  async function fetchAllProducers() {
    const all = [];
    for (let page = 1; ; page += 1) {
      const answer = await getJson(`producers?page_size=200&page=${page}`);
      all.push(...answer.items);
      if (!answer.items.length || all.length >= answer.count) return all;
    }
  }

  /* Plots one producer at a time, a few in parallel: a town officer may have hundreds. */
  async function fetchPlots(producers) {
    const plots = {};
    const queue = producers.map((p) => p.id);
    async function worker() {
      while (queue.length) {
        const id = queue.shift();
        const answer = await getJson(`producers/${id}/plots?page_size=200`);
        plots[id] = answer.items;
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()]);
    return plots;
  }

  /* The sampling kit (plans, labs, foods, fellow samplers, recorded inputs). A server or a
     role without it keeps the app working for inspections: null, not an error. */
  async function fetchKit() {
    try {
      return await getJson("sampling-kit");
    } catch (error) {
      if (error instanceof NeedLogin) throw error;
      return state.kit;  // keep what this phone had
    }
  }

  async function refreshData() {
    if (!navigator.onLine) {
      if (!state.producers.length) setStatus("离线，本机还没有数据：请联网后打开一次。");
      document.body.dataset.cached = state.producers.length ? "1" : "";
      return;
    }
    setStatus("正在下载离线数据…");
    try {
      const me = await getJson("me");
      const producers = await fetchAllProducers();
      const templates = await getJson("inspection-templates");
      const kit = await fetchKit();
      const plots = await fetchPlots(producers);
      await putData("me", me);
      await putData("producers", producers);
      await putData("templates", templates);
      await putData("plots", plots);
      if (kit) await putData("kit", kit);
      Object.assign(state, { me, producers, templates, plots, kit });
      const parts = [`${me.username}：离线数据已更新，${producers.length} 家主体`];
      if (canInspect()) parts.push(`${templates.length} 张检查表`);
      if (canSample()) parts.push(`${kit.plans.filter((p) => kit.kinds.includes(p.kind)).length} 项监测任务`);
      setStatus(`${parts.join("，")}（${shortTime(new Date().toISOString())}）`);
      document.body.dataset.cached = "1";
    } catch (error) {
      if (error instanceof NeedLogin) {
        setStatus("登录已失效，数据未更新。", { href: LOGIN_URL, text: "重新登录" });
      } else {
        setStatus(`无法更新数据（${error.message}），使用本机数据。`);
      }
    }
    renderProducers();
    if (!activeForm()) route();
  }

  /* ---------- producer list: each producer opens the forms this role may fill ---------- */

  function actionsFor(producerId) {
    const actions = [];
    if (canInspect()) actions.push({ href: `#producer=${producerId}`, text: "巡查" });
    if (canSample()) actions.push({ href: `#sample=${producerId}`, text: "采样" });
    return actions;
  }

  function renderProducers() {
    const query = $("#search").value.trim().toLowerCase();
    const list = $("#producers");
    const found = state.producers.filter((p) => !query ||
      [p.name, p.address, p.legal_rep, p.uscc].some((v) => (v || "").toLowerCase().includes(query)));
    list.replaceChildren(...found.slice(0, 100).map((p) => {
      const plots = state.plots[p.id] || [];
      const certs = (p.certifications || []).map((c) => ({ green: "绿色", organic: "有机", gi: "地标" })[c.kind] || c.kind);
      const actions = actionsFor(p.id);
      return el("li", {},
        el("a", { href: actions.length ? actions[0].href : `#producer=${p.id}`, class: "f-producer" },
          el("strong", {}, p.name),
          el("span", { class: "f-muted" },
            [p.address || p.legal_rep, `${plots.length} 块地`, ...certs].filter(Boolean).join(" · "))),
        actions.length > 1 ? el("div", { class: "f-actions" },
          actions.map((a) => el("a", { href: a.href, class: "f-btn f-btn-light" }, a.text))) : null);
    }));
    $("#no-producers").hidden = found.length > 0 || !state.producers.length;
  }

  /* ---------- routing: #producer=ID opens an inspection (the producer page's QR code),
     #sample=ID a sampling form; a view says how to open and close its form ---------- */

  const VIEWS = {};
  let shown = null;  // {key, id, params} of the form on screen

  function activeForm() {
    return shown && VIEWS[shown.key] ? VIEWS[shown.key].current() : null;
  }

  function parseHash() {
    const match = location.hash.match(/^#(producer|sample)=(\d+)(?:&(.*))?$/);
    if (!match) return null;
    return { key: match[1], id: Number(match[2]), params: new URLSearchParams(match[3] || "") };
  }

  function route() {
    const want = parseHash();
    $("#view-list").hidden = Boolean(want);
    $("#view-outbox").hidden = Boolean(want);
    for (const [key, view] of Object.entries(VIEWS)) {
      const on = Boolean(want && want.key === key);
      $(view.section).hidden = !on;
      if (!on) view.close();
    }
    if (!want) {
      shown = null;
      if (location.hash === "#outbox") $("#view-outbox").scrollIntoView();
      return;
    }
    // A lab's sampler cannot inspect: the producer page's QR link opens the sampling form.
    if (want.key === "producer" && state.me && !canInspect() && canSample()) {
      location.replace(`#sample=${want.id}`);
      return;
    }
    const view = VIEWS[want.key];
    const same = shown && shown.key === want.key && shown.id === want.id &&
      shown.params === want.params.toString();
    if (same && view.current()) return;
    shown = { key: want.key, id: want.id, params: want.params.toString() };
    const section = $(view.section);
    const producer = state.producers.find((p) => p.id === want.id);
    if (!producer) {
      view.close();
      $(".f-title", section).textContent = state.producers.length
        ? "本机没有该生产主体的数据（不在辖区内，或需联网更新）" : "正在加载数据…";
      $(".f-subtitle", section).textContent = "";
      section.classList.add("f-missing");
      return;
    }
    section.classList.remove("f-missing");
    $(".f-title", section).textContent = producer.name;
    $(".f-subtitle", section).textContent = [producer.address, producer.legal_rep, producer.phone]
      .filter(Boolean).join(" · ");
    renderTabs(section, want);
    view.open(producer, want.params);
  }

  /* 巡查 | 采样 for a role that does both. */
  function renderTabs(section, want) {
    const tabs = $(".f-tabs", section);
    const actions = actionsFor(want.id);
    tabs.hidden = actions.length < 2;
    tabs.replaceChildren(...actions.map((a) => el("a", {
      href: a.href, class: a.href.startsWith(`#${want.key}=`) ? "f-tab f-tab-on" : "f-tab",
      "aria-current": a.href.startsWith(`#${want.key}=`) ? "page" : null,
    }, a.text)));
  }

  let lastHash = location.hash;
  window.addEventListener("hashchange", () => {
    // Leaving a half-filled form throws work away: ask first.
    const form = activeForm();
    const want = parseHash();
    const staying = want && shown && want.key === shown.key && want.id === shown.id;
    if (form && form.dirty && !staying && !window.confirm("本次填写尚未提交，确定放弃？")) {
      history.replaceState(null, "", lastHash);
      return;
    }
    lastHash = location.hash;
    route();
    window.scrollTo(0, 0);
  });

  /* ---------- plots: a tile-less map and the plot under the worker's feet ---------- */

  const plotsOf = (producer) => state.plots[producer.id] || [];

  /* A Leaflet map of one form: the producer's plots and the GPS fix. */
  function fieldMap(elementId) {
    let map = null;
    let plotLayer = null;
    let positionLayer = null;

    function fit() {
      const bounds = L.latLngBounds([]);
      if (plotLayer && plotLayer.getLayers().length) bounds.extend(plotLayer.getBounds());
      if (positionLayer) bounds.extend(positionLayer.getBounds());
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
      else map.setView([31.2, 121.5], 9);
    }

    return {
      show(plots) {
        if (!window.L) return;  // Leaflet missing: the map is optional, the form is not
        if (!map) {
          map = L.map(elementId, { attributionControl: false, zoomSnap: 0.5 });
          L.control.scale({ imperial: false }).addTo(map);
        }
        if (plotLayer) plotLayer.remove();
        const features = plots.map((p) => ({ type: "Feature", geometry: p.geometry, properties: { plot_no: p.plot_no } }));
        plotLayer = L.geoJSON(features, { style: { color: "#1f6f43", weight: 2, fillOpacity: 0.15 } })
          .bindTooltip((layer) => layer.feature.properties.plot_no)
          .addTo(map);
        if (positionLayer) { positionLayer.remove(); positionLayer = null; }
        map.invalidateSize();
        fit();
      },
      position(where) {
        if (!map) return;
        if (positionLayer) positionLayer.remove();
        const latlng = [where.lat, where.lon];
        positionLayer = L.featureGroup([
          L.circle(latlng, { radius: where.accuracy_m || 1, color: "#1d6fb8", weight: 1, fillOpacity: 0.1 }),
          L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 2, fillColor: "#1d6fb8", fillOpacity: 1 }),
        ]).addTo(map);
        fit();
      },
    };
  }

  /* Ray casting on each outer ring: good enough to tick the plot the worker stands in. */
  function insideRing(lon, lat, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function plotAt(plots, lon, lat) {
    return plots.find((p) => {
      const polygons = p.geometry.type === "MultiPolygon" ? p.geometry.coordinates : [p.geometry.coordinates];
      return polygons.some((rings) => insideRing(lon, lat, rings[0]));
    });
  }

  /* ---------- GPS: one fix for the form on screen ---------- */

  function describeFix(where, plot) {
    return `经度 ${where.lon.toFixed(6)}，纬度 ${where.lat.toFixed(6)}，精度 ±${where.accuracy_m} 米` +
      (where.accuracy_m > 50 ? "（精度较差，可到开阔处重新定位）" : "") +
      (plot ? `；位于地块 ${plot.plot_no} 内` : "");
  }

  /* ui: {status, button, form (the form asking), current() (the form now on screen),
     plots (the producer's), onFix(location, plot)} */
  function locate(ui) {
    const { status, button } = ui;
    if (!navigator.geolocation) {
      status.textContent = "本设备不支持定位。";
      return;
    }
    const asked = ui.form;
    status.textContent = "正在定位…";
    status.className = "f-gps";
    button.disabled = true;
    navigator.geolocation.getCurrentPosition((position) => {
      button.disabled = false;
      button.textContent = "重新定位";
      if (ui.current() !== asked) return;  // the worker has moved on to another form
      const c = position.coords;
      const where = { lon: Number(c.longitude.toFixed(7)), lat: Number(c.latitude.toFixed(7)),
        accuracy_m: Math.round(c.accuracy) };
      const plot = plotAt(ui.plots, where.lon, where.lat);
      asked.location = where;
      status.className = c.accuracy > 50 ? "f-gps f-warn" : "f-gps f-ok";
      status.textContent = describeFix(where, plot);
      ui.onFix(where, plot);
    }, (error) => {
      button.disabled = false;
      button.textContent = "重新定位";
      status.className = "f-gps f-bad";
      status.textContent = ({ 1: "未允许定位：请在浏览器设置中允许本站使用位置。", 2: "暂时无法获取位置，请到开阔处重试。", 3: "定位超时，请重试。" })[error.code] || "定位失败，请重试。";
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }

  /* ---------- photos: kept as Blobs until the record is uploaded ---------- */

  /* form.photos holds {blob, name, type, mediaId}; mediaId is set once uploaded. */
  function addPhotos(form, files) {
    for (const file of files) {
      if (!["image/jpeg", "image/png"].includes(file.type)) {
        window.alert(`“${file.name}”不是 JPEG 或 PNG 照片`);
        continue;
      }
      form.photos.push({ blob: file, name: file.name || "photo.jpg", type: file.type, mediaId: null });
    }
    form.dirty = true;
  }

  function renderPhotos(list, form) {
    $$("img", list).forEach((img) => URL.revokeObjectURL(img.src));
    list.replaceChildren(...(form ? form.photos : []).map((photo, n) => el("li", {},
      el("img", { src: URL.createObjectURL(photo.blob), alt: `照片 ${n + 1}` }),
      el("button", { type: "button", class: "f-btn f-btn-light", onclick: () => {
        form.photos.splice(n, 1);
        form.dirty = true;
        renderPhotos(list, form);
      } }, "删除"))));
  }

  /* A photo input and its thumbnails, bound to whichever form getForm() answers. */
  function photoField(input, list, getForm) {
    input.addEventListener("change", () => {
      const form = getForm();
      if (form) {
        addPhotos(form, input.files);
        renderPhotos(list, form);
      }
      input.value = "";
    });
    return { render: () => renderPhotos(list, getForm()) };
  }

  /* ---------- signature on a canvas ---------- */

  function signaturePad(c, onInk) {
    let inked = false;
    let drawing = false;
    const point = (event) => {
      const box = c.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    };
    c.addEventListener("pointerdown", (event) => {
      drawing = true;
      c.setPointerCapture(event.pointerId);
      const ctx = c.getContext("2d");
      ctx.beginPath();
      ctx.moveTo(...point(event));
    });
    c.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const ctx = c.getContext("2d");
      ctx.lineTo(...point(event));
      ctx.stroke();
      inked = true;
      onInk();
    });
    const stop = () => { drawing = false; };
    c.addEventListener("pointerup", stop);
    c.addEventListener("pointercancel", stop);

    return {
      get inked() { return inked; },
      /* A blank white sheet, sized to the canvas as shown (call it when it is visible). */
      reset() {
        const ratio = window.devicePixelRatio || 1;
        c.width = Math.round(c.clientWidth * ratio) || 300;
        c.height = Math.round(160 * ratio);
        const ctx = c.getContext("2d");
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.fillStyle = "#fff";  // a white sheet, so the PNG reads well when printed
        ctx.fillRect(0, 0, c.width, c.height);
        ctx.lineWidth = 2.5;
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        ctx.strokeStyle = "#111";
        inked = false;
      },
      blob: () => new Promise((resolve) => c.toBlob(resolve, "image/png")),
    };
  }

  /* ---------- the inspection form ---------- */

  let form = null;  // the inspection being filled in, or null
  let inspectionMap = null;
  let inspectionPad = null;
  let inspectionPhotos = null;

  VIEWS.producer = {
    section: "#view-inspect",
    current: () => form,
    close() { form = null; },
    open: openInspection,
  };

  function openInspection(producer) {
    form = { producer, startedAt: new Date(), location: null, photos: [], dirty: false };
    renderTemplates();
    renderPlots();
    $("#inputs").replaceChildren();
    inspectionPhotos.render();
    $$("input[name=result]").forEach((r) => { r.checked = false; });
    $("#rectify").hidden = true;
    $("#rectify-items").value = "";
    $("#rectify-deadline").value = "";
    $("#refused").value = "";
    $("#form-errors").replaceChildren();
    inspectionPad.reset();
    inspectionMap.show(plotsOf(producer));
    locateInspection();
  }

  function locateInspection() {
    if (!form) return;
    locate({ status: $("#gps-status"), button: $("#gps-btn"), form, current: () => form,
      plots: plotsOf(form.producer),
      onFix(where, plot) {
        if (plot) {
          const box = $(`#plots input[value="${CSS.escape(plot.plot_no)}"]`);
          if (box) box.checked = true;
        }
        inspectionMap.position(where);
      } });
  }

  function renderTemplates() {
    const select = $("#template");
    // Daily inspections are the usual case; annual checks are chosen on purpose.
    const sorted = [...state.templates].sort((a, b) => (a.kind === "daily" ? 0 : 1) - (b.kind === "daily" ? 0 : 1));
    select.replaceChildren(...sorted.map((t) => el("option", { value: t.code }, `${t.name}（v${t.version}）`)));
    renderItems();
  }

  const currentTemplate = () => state.templates.find((t) => t.code === $("#template").value);

  function renderItems() {
    const template = currentTemplate();
    const box = $("#items");
    if (!template) {
      box.replaceChildren(el("p", { class: "f-muted" }, "本机没有检查表，请联网后刷新。"));
      return;
    }
    let section = null;
    const nodes = [];
    for (const item of template.items) {
      if (item.section && item.section !== section) {
        section = item.section;
        nodes.push(el("h3", { class: "f-section" }, section));
      }
      nodes.push(renderItem(item));
    }
    box.replaceChildren(...nodes);
  }

  function renderItem(item) {
    const label = el("p", { class: "f-item-text" }, item.text, item.required ? el("b", { class: "f-req", title: "必答" }, " *") : null);
    const row = el("div", { class: "f-item", "data-key": item.key, "data-type": item.type }, label);
    const name = `item-${item.key}`;
    if (item.type === "yes_no") {
      row.append(el("div", { class: "f-seg", role: "radiogroup", "aria-label": item.text },
        YES_NO.map(([value, text]) => el("label", {},
          el("input", { type: "radio", name, value }), el("span", {}, text)))));
    } else if (item.type === "number") {
      row.append(el("input", { class: "f-input", type: "number", inputmode: "decimal", step: "any", name, "aria-label": item.text }));
    } else if (item.type === "photo") {
      row.append(el("label", { class: "f-btn f-btn-light", for: "photo-input" }, "📷 拍照"));
    } else {
      row.append(el("input", { class: "f-input", name, "aria-label": item.text }));
    }
    return row;
  }

  function collectAnswers(errors) {
    const template = currentTemplate();
    const answers = [];
    for (const item of template ? template.items : []) {
      const row = $(`.f-item[data-key="${CSS.escape(item.key)}"]`);
      let value = null;
      if (item.type === "yes_no") {
        const checked = $("input:checked", row);
        value = checked ? checked.value : null;
      } else if (item.type === "number") {
        const raw = $("input", row).value.trim();
        value = raw === "" ? null : Number(raw);
      } else if (item.type === "photo") {
        value = form.photos.length || null;
      } else {
        value = $("input", row).value.trim() || null;
      }
      if (value === null) {
        if (item.required) errors.push(item.type === "photo" ? `须拍照：${item.text}` : `必答项未回答：${item.text}`);
        continue;
      }
      answers.push({ item: item.key, value, note: "" });
    }
    return answers;
  }

  function renderPlots() {
    const plots = plotsOf(form.producer);
    $("#plots").replaceChildren(...(plots.length ? plots.map((p) => el("label", { class: "f-check" },
      el("input", { type: "checkbox", name: "plots_seen", value: p.plot_no }),
      el("span", {}, `${p.plot_no} · ${p.crop || "未填作物"} · ${p.area_mu} 亩`))) :
      [el("p", { class: "f-muted" }, "该主体没有登记地块。")]));
  }

  /* inputs in use (投入品) */

  function addInputRow() {
    const row = $("#input-row").content.firstElementChild.cloneNode(true);
    $(".f-remove", row).addEventListener("click", () => row.remove());
    $("#inputs").append(row);
    $("input", row).focus();
  }

  function collectInputs(errors) {
    const rows = [];
    $$("#inputs .f-input-row").forEach((row, n) => {
      const value = (name) => $(`[name=${name}]`, row).value.trim();
      const entry = { pesticide: value("pesticide"), registration_no: value("registration_no"), dose: value("dose"),
        applied_on: value("applied_on") || null, crop: value("crop"), harvest_on: value("harvest_on") || null };
      if (!Object.values(entry).some(Boolean)) return;  // an empty row is simply ignored
      if (!entry.pesticide) errors.push(`第 ${n + 1} 行投入品须填写农药名称`);
      if (entry.applied_on && entry.harvest_on && entry.harvest_on < entry.applied_on) {
        errors.push(`第 ${n + 1} 行计划采收日期早于施药日期`);
      }
      rows.push(entry);
    });
    return rows;
  }

  /* submit: into the outbox first, the network later */

  function showFormErrors(list, errors) {
    list.replaceChildren(...errors.map((e) => el("li", {}, e)));
    if (errors.length) list.scrollIntoView({ block: "center" });
    return errors.length === 0;
  }

  async function submitInspection(event) {
    event.preventDefault();
    const errors = [];
    if (!form) return;
    if (!form.location) errors.push("请先获取定位");
    const template = currentTemplate();
    if (!template) errors.push("请选择检查表");
    const answers = collectAnswers(errors);
    const inputs = collectInputs(errors);
    const checked = $("input[name=result]:checked");
    const result = checked ? checked.value : "";
    if (!result) errors.push("请选择检查结论");
    let rectification = null;
    if (result === "rectify") {
      const items = $("#rectify-items").value.split("\n").map((s) => s.trim()).filter(Boolean);
      const deadline = $("#rectify-deadline").value;
      if (!items.length) errors.push("限期整改须列明整改事项");
      if (!deadline || deadline <= localDate(new Date())) errors.push("整改期限须晚于检查日期");
      rectification = { items, deadline };
    }
    const refused = $("#refused").value.trim();
    if (!inspectionPad.inked && !refused) errors.push("须由生产主体签名，或注明拒签情况");
    if (!showFormErrors($("#form-errors"), errors)) return;

    const uuid = newUuid();
    const finished = new Date();
    const record = {
      uuid,
      type: "inspection",
      state: "queued",
      by: state.me ? state.me.username : "",
      producerName: form.producer.name,
      createdAt: finished.toISOString(),
      payload: {
        uuid, producer: form.producer.id, template: template.code,
        started_at: isoWithOffset(form.startedAt), finished_at: isoWithOffset(finished),
        location: form.location,
        plots_seen: $$("#plots input:checked").map((box) => box.value),
        answers, inputs, result, rectification,
        refused_signature: inspectionPad.inked ? "" : refused,
      },
      photos: form.photos.map((p) => ({ blob: p.blob, name: p.name, mediaId: null })),
      signature: inspectionPad.inked ? { blob: await inspectionPad.blob(), mediaId: null } : null,
      errors: [], lastError: "", answer: null,
    };
    await queueRecord(record);
  }

  /* Save a finished record in the outbox, show it there and try to send it. */
  async function queueRecord(record) {
    await dbPut("outbox", record);
    const view = shown && VIEWS[shown.key];
    if (view) view.close();
    location.hash = "#outbox";
    await renderOutbox();
    sync();
  }

  /* ---------- sync: photos, signature, then the record; each step remembered ---------- */

  /* How each kind of record is sent and shown; sampling.js adds "sample". Records saved
     before there were kinds are inspections. */
  const RECORD_KINDS = {
    inspection: {
      label: "巡查",
      endpoint: "inspections",
      body: (record, photos, signature) => ({ ...record.payload, photos, signature }),
      keep: (answer) => ({ id: answer.id, location_check: answer.location_check, flags: answer.flags || [] }),
      summary(record) {
        const result = { pass: "合格", rectify: "限期整改", refer: "移交执法" }[record.payload.result];
        return `${shortTime(record.createdAt)} · ${result} · ${record.photos.length} 张照片` +
          (record.signature ? " · 已签名" : " · 拒签");
      },
      details: () => [],
      actions: (record) => (record.state === "rejected" || record.state === "conflict"
        ? [el("a", { href: `#producer=${record.payload.producer}` }, "重新检查该主体")] : []),
    },
  };

  const kindOf = (record) => RECORD_KINDS[record.type || "inspection"] || RECORD_KINDS.inspection;

  class Rejected extends Error {
    constructor(messages) { super(messages.join("；")); this.messages = messages; }
  }

  class Transient extends Error {}

  /* Field names as the worker knows them, for the server's schema errors (which are in
     English) and for messages about one row of a list. */
  const FIELD_NAMES = {
    uuid: "记录编号", producer: "生产主体", template: "检查表", started_at: "开始时间",
    finished_at: "结束时间", location: "定位", plots_seen: "核查地块", answers: "检查项目",
    inputs: "投入品", photos: "现场照片", signature: "签名", result: "检查结论",
    rectification: "整改要求", refused_signature: "拒签说明",
    plan: "监测任务", kind: "抽样类型", lab: "检测机构", plot: "采样地块", product: "样品名称",
    variety: "品种", quantity: "抽样数量", sampled_at: "采样时间", pesticides_used: "样品用药",
    analytes: "检测项目", co_samplers: "共同抽样人", party_signature: "被抽样方签名",
    refusal: "拒检/拒签记录", lon: "经度", lat: "纬度", accuracy_m: "定位精度",
    pesticide: "农药名称", dose: "用量", applied_on: "施药日期",
  };

  /* ["body", "pesticides_used.0.pesticide"] or ["body", "body", "sampled_at"] → 样品用药第 1 行农药名称 */
  function fieldName(loc) {
    const parts = (loc || []).filter((part) => part !== "body" && part !== "query")
      .flatMap((part) => String(part).split("."));
    return parts.map((part) => (/^\d+$/.test(part) ? `第 ${Number(part) + 1} 行` : FIELD_NAMES[part] || part)).join("");
  }

  /* Django-ninja answers 422 as {"detail": [{"loc", "msg"}]}; other errors as {"detail": "..."}.
     The server's own checks speak Chinese already; a bare schema error gets a Chinese line. */
  async function messagesOf(response) {
    try {
      const body = await response.json();
      if (Array.isArray(body.detail)) {
        return body.detail.map((d) => {
          const where = fieldName(d.loc);
          if (/[\u4e00-\u9fff]/.test(d.msg || "")) {
            // A message about one row of a list names the row.
            return /第 \d+ 行/.test(where) ? `${where}：${d.msg}` : d.msg;
          }
          return where ? `${where}：格式不正确` : "提交的内容格式不正确";
        });
      }
      return [String(body.detail || `HTTP ${response.status}`)];
    } catch (error) {
      return [`HTTP ${response.status}`];
    }
  }

  async function failure(response) {
    if (response.status === 401 || response.status === 403) throw new NeedLogin();
    if (response.status === 404) throw new Rejected(["生产主体不存在或不在本人辖区内"]);
    if (response.status === 422 || response.status === 400) throw new Rejected(await messagesOf(response));
    throw new Transient(`服务器暂时出错（${response.status}），稍后重试`);
  }

  async function uploadMedia(blob, name, id) {
    const body = new FormData();
    body.append("file", blob, name);
    body.append("id", id);
    const response = await apiFetch("media", { method: "POST", body });
    // 200: the server had it already (an earlier answer was lost on the way).
    if (response.status === 201 || response.status === 200) return (await response.json()).id;
    if (response.status === 409) throw new Rejected(await messagesOf(response));
    return failure(response);
  }

  /* A photo or the signature of a record, sent once: its id is saved before it is sent, so
     an answer lost on the way makes the next try a repeat, not a second photo. */
  async function sendFile(record, file, name) {
    if (file.mediaId) return;  // uploaded on an earlier try
    if (!file.id) {
      file.id = newUuid();
      await dbPut("outbox", record);
    }
    file.mediaId = await uploadMedia(file.blob, name, file.id);
    await dbPut("outbox", record);
  }

  let syncing = false;
  let syncAgain = false;  // asked for while a round was running: run one more after it

  async function syncOne(record) {
    const kind = kindOf(record);
    try {
      for (const photo of record.photos) await sendFile(record, photo, photo.name);
      if (record.signature) await sendFile(record, record.signature, "signature.png");
      const body = kind.body(record, record.photos.map((p) => p.mediaId),
        record.signature ? record.signature.mediaId : null);
      const response = await apiFetch(kind.endpoint, { method: "POST", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json" } });
      if (response.status === 201 || response.status === 200) {
        const answer = await response.json();
        record.state = "synced";
        record.answer = kind.keep(answer);
        record.syncedAt = new Date().toISOString();
        record.lastError = "";
        record.errors = [];
        // The server has the files now; free the phone's storage.
        record.photos = record.photos.map((p) => ({ name: p.name, mediaId: p.mediaId }));
        if (record.signature) record.signature = { mediaId: record.signature.mediaId };
      } else if (response.status === 409) {
        record.state = "conflict";
        record.errors = await messagesOf(response);
      } else {
        await failure(response);
      }
      return true;
    } catch (error) {
      if (error instanceof Rejected) {
        record.state = "rejected";
        record.errors = error.messages;
        return true;
      }
      if (error instanceof NeedLogin) {
        record.lastError = "登录已失效，请重新登录后同步";
      } else if (error instanceof Transient) {
        record.lastError = error.message;
      } else {
        record.lastError = "网络不可用，稍后自动重试";
      }
      return false;  // stop this round: the next records would fail the same way
    } finally {
      record.triedAt = new Date().toISOString();
      await dbPut("outbox", record);
    }
  }

  async function sync() {
    if (syncing) { syncAgain = true; return; }
    if (!navigator.onLine) { await renderOutbox(); return; }
    syncing = true;
    $("#sync-now").disabled = true;
    $("#sync-now").textContent = "同步中…";
    try {
      const me = state.me ? state.me.username : null;
      const queued = (await dbAll("outbox"))
        // A shared phone: send only the logged-in worker's own records.
        .filter((r) => r.state === "queued" && (!me || !r.by || r.by === me))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      for (const record of queued) {
        if (!(await syncOne(record))) break;
      }
    } finally {
      await renderOutbox();
      syncing = false;
      $("#sync-now").disabled = false;
      $("#sync-now").textContent = "同步";
      // A counter of finished rounds: lets a test (or a curious worker) see that one ran.
      document.body.dataset.syncRounds = Number(document.body.dataset.syncRounds || 0) + 1;
    }
    if (syncAgain) {
      syncAgain = false;
      await sync();
    }
  }

  /* ---------- the outbox, always visible as the badge and the list ---------- */

  function describeCheck(check) {
    if (!check || !Object.keys(check).length) return "";
    if (check.inside_plot) return `位置核验：在地块 ${check.plot_no} 内`;
    if (check.plot_no) return `位置核验：距地块 ${check.plot_no} ${check.distance_m} 米`;
    return "位置核验：无登记地块";
  }

  async function renderOutbox() {
    state.outbox = (await dbAll("outbox")).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const count = (states) => state.outbox.filter((r) => states.includes(r.state)).length;
    $("#count-queued").textContent = count(["queued"]);
    $("#count-synced").textContent = count(["synced"]);
    $("#count-failed").textContent = count(["conflict", "rejected"]);
    $("#badge").dataset.failed = count(["conflict", "rejected"]) ? "1" : "";
    $("#outbox-empty").hidden = state.outbox.length > 0;
    $("#outbox").replaceChildren(...state.outbox.map((r) => {
      const kind = kindOf(r);
      const check = r.answer ? describeCheck(r.answer.location_check) : "";
      return el("li", { class: `f-record f-${r.state}`, "data-uuid": r.uuid, "data-state": r.state,
        "data-type": r.type || "inspection" },
        el("div", { class: "f-record-head" },
          el("strong", {}, el("span", { class: "f-tag" }, kind.label), r.producerName),
          el("span", { class: "f-state" }, STATE_LABELS[r.state] || r.state)),
        el("p", { class: "f-muted" }, kind.summary(r)),
        kind.details(r),
        r.state === "queued" && r.lastError ? el("p", { class: "f-note" }, r.lastError) : null,
        check ? el("p", { class: "f-check-line" }, check) : null,
        r.answer && r.answer.flags && r.answer.flags.length
          ? el("ul", { class: "f-flags" }, r.answer.flags.map((f) => el("li", {}, f.message || f.code))) : null,
        r.errors && r.errors.length && r.state !== "synced"
          ? el("ul", { class: "f-errors" }, r.errors.map((m) => el("li", {}, m))) : null,
        kind.actions(r));
    }));
  }

  function showNetwork() {
    const net = $("#net");
    net.textContent = navigator.onLine ? "在线" : "离线";
    net.className = navigator.onLine ? "f-net f-online" : "f-net f-offline";
  }

  /* ---------- what sampling.js (and any later form) uses ---------- */

  const setups = [];  // run once at start, before the data is loaded

  window.NonganField = {
    $, $$, el, state, dbGet, dbPut, getData, isoWithOffset, localDate, shortTime, newUuid,
    canInspect, canSample, plotsOf, plotAt, fieldMap, locate, describeFix, photoField,
    signaturePad, showFormErrors, queueRecord, renderOutbox, VIEWS, RECORD_KINDS,
    onSetup: (fn) => setups.push(fn),
  };

  /* ---------- start ---------- */

  async function start() {
    showNetwork();
    inspectionMap = fieldMap("map");
    inspectionPad = signaturePad($("#signature"), () => { if (form) form.dirty = true; });
    inspectionPhotos = photoField($("#photo-input"), $("#photos"), () => form);
    $("#search").addEventListener("input", renderProducers);
    $("#template").addEventListener("change", renderItems);
    $("#gps-btn").addEventListener("click", locateInspection);
    $("#add-input").addEventListener("click", addInputRow);
    $("#sign-clear").addEventListener("click", () => inspectionPad.reset());
    $$("input[name=result]").forEach((radio) => radio.addEventListener("change", () => {
      $("#rectify").hidden = $("input[name=result]:checked").value !== "rectify";
    }));
    $("#view-inspect").addEventListener("input", () => { if (form) form.dirty = true; });
    $("#view-inspect").addEventListener("submit", submitInspection);
    $("#sync-now").addEventListener("click", () => { sync(); refreshData(); });
    window.addEventListener("online", () => { showNetwork(); sync(); refreshData(); });
    window.addEventListener("offline", showNetwork);
    setInterval(sync, SYNC_EVERY_MS);
    for (const setup of setups) setup();

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(document.body.dataset.sw).catch((error) => {
        console.warn("service worker not registered", error);
      });
    }
    await loadLocal();
    renderProducers();
    route();
    await renderOutbox();
    await refreshData();
    await sync();
  }

  // sampling.js is the next script on the page: start once every script has run.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
