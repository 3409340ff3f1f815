/* 农安 现场巡查: the offline field app.

   Data flow: the user's producers, plots and checklist templates are copied from the API into
   IndexedDB whenever the network is there, so the app works in a field with none. A finished
   inspection goes into an IndexedDB outbox (photos and signature as Blobs) and a sync loop
   uploads it later. The record's client uuid makes every retry safe: the server answers 200
   for a record it already has, so nothing is ever stored twice. */
"use strict";

(function () {
  const API = document.body.dataset.api;          // "/api/v1/"
  const LOGIN_URL = document.body.dataset.login;
  const SYNC_EVERY_MS = 30000;
  const STATE_LABELS = { queued: "待同步", synced: "已同步", conflict: "冲突", rejected: "被退回" };
  const YES_NO = [["yes", "是"], ["no", "否"], ["na", "不适用"]];

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

  const state = { me: null, producers: [], templates: [], plots: {}, outbox: [] };
  let form = null;  // the inspection being filled in, or null

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
      const plots = await fetchPlots(producers);
      await putData("me", me);
      await putData("producers", producers);
      await putData("templates", templates);
      await putData("plots", plots);
      Object.assign(state, { me, producers, templates, plots });
      setStatus(`${me.username}：离线数据已更新，${producers.length} 家主体，${templates.length} 张检查表` +
        `（${shortTime(new Date().toISOString())}）`);
      document.body.dataset.cached = "1";
    } catch (error) {
      if (error instanceof NeedLogin) {
        setStatus("登录已失效，数据未更新。", { href: LOGIN_URL, text: "重新登录" });
      } else {
        setStatus(`无法更新数据（${error.message}），使用本机数据。`);
      }
    }
    renderProducers();
    if (!form) route();
  }

  /* ---------- producer list ---------- */

  function renderProducers() {
    const query = $("#search").value.trim().toLowerCase();
    const list = $("#producers");
    const found = state.producers.filter((p) => !query ||
      [p.name, p.address, p.legal_rep, p.uscc].some((v) => (v || "").toLowerCase().includes(query)));
    list.replaceChildren(...found.slice(0, 100).map((p) => {
      const plots = state.plots[p.id] || [];
      const certs = (p.certifications || []).map((c) => ({ green: "绿色", organic: "有机", gi: "地标" })[c.kind] || c.kind);
      return el("li", {},
        el("a", { href: `#producer=${p.id}`, class: "f-producer" },
          el("strong", {}, p.name),
          el("span", { class: "f-muted" },
            [p.address || p.legal_rep, `${plots.length} 块地`, ...certs].filter(Boolean).join(" · "))));
    }));
    $("#no-producers").hidden = found.length > 0 || !state.producers.length;
  }

  /* ---------- routing: #producer=ID opens an inspection (the producer page's QR code) ---------- */

  function route() {
    const match = location.hash.match(/^#producer=(\d+)/);
    const inspecting = Boolean(match);
    $("#view-list").hidden = inspecting;
    $("#view-outbox").hidden = inspecting;
    $("#view-inspect").hidden = !inspecting;
    if (!inspecting) {
      form = null;
      if (location.hash === "#outbox") $("#view-outbox").scrollIntoView();
      return;
    }
    const id = Number(match[1]);
    if (form && form.producer.id === id) return;
    const producer = state.producers.find((p) => p.id === id);
    if (!producer) {
      form = null;
      $("#insp-producer").textContent = state.producers.length
        ? "本机没有该生产主体的数据（不在辖区内，或需联网更新）" : "正在加载数据…";
      $("#insp-producer-meta").textContent = "";
      $("#view-inspect").classList.add("f-missing");
      return;
    }
    $("#view-inspect").classList.remove("f-missing");
    openInspection(producer);
  }

  let lastHash = location.hash;
  window.addEventListener("hashchange", () => {
    // Leaving a half-filled inspection throws work away: ask first.
    if (form && form.dirty && !location.hash.startsWith(`#producer=${form.producer.id}`) &&
        !window.confirm("本次巡查尚未提交，确定放弃？")) {
      history.replaceState(null, "", lastHash);
      return;
    }
    lastHash = location.hash;
    route();
    window.scrollTo(0, 0);
  });

  /* ---------- the inspection form ---------- */

  function openInspection(producer) {
    form = { producer, startedAt: new Date(), location: null, photos: [], inked: false, dirty: false };
    $("#insp-producer").textContent = producer.name;
    $("#insp-producer-meta").textContent = [producer.address, producer.legal_rep, producer.phone]
      .filter(Boolean).join(" · ");
    renderTemplates();
    renderPlots();
    $("#inputs").replaceChildren();
    renderPhotos();
    $$("input[name=result]").forEach((r) => { r.checked = false; });
    $("#rectify").hidden = true;
    $("#rectify-items").value = "";
    $("#rectify-deadline").value = "";
    $("#refused").value = "";
    $("#form-errors").replaceChildren();
    resetSignature();
    showMap();
    locate();
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

  /* ---------- plots: checkboxes and a tile-less map ---------- */

  const plotsOf = (producer) => state.plots[producer.id] || [];

  function renderPlots() {
    const plots = plotsOf(form.producer);
    $("#plots").replaceChildren(...(plots.length ? plots.map((p) => el("label", { class: "f-check" },
      el("input", { type: "checkbox", name: "plots_seen", value: p.plot_no }),
      el("span", {}, `${p.plot_no} · ${p.crop || "未填作物"} · ${p.area_mu} 亩`))) :
      [el("p", { class: "f-muted" }, "该主体没有登记地块。")]));
  }

  let map = null;
  let plotLayer = null;
  let positionLayer = null;

  function showMap() {
    if (!window.L) return;  // Leaflet missing: the map is optional, the form is not
    if (!map) {
      map = L.map("map", { attributionControl: false, zoomSnap: 0.5 });
      L.control.scale({ imperial: false }).addTo(map);
    }
    if (plotLayer) plotLayer.remove();
    const features = plotsOf(form.producer).map((p) => ({ type: "Feature", geometry: p.geometry, properties: { plot_no: p.plot_no } }));
    plotLayer = L.geoJSON(features, { style: { color: "#1f6f43", weight: 2, fillOpacity: 0.15 } })
      .bindTooltip((layer) => layer.feature.properties.plot_no)
      .addTo(map);
    if (positionLayer) { positionLayer.remove(); positionLayer = null; }
    map.invalidateSize();
    fitMap();
  }

  function fitMap() {
    const bounds = L.latLngBounds([]);
    if (plotLayer && plotLayer.getLayers().length) bounds.extend(plotLayer.getBounds());
    if (positionLayer) bounds.extend(positionLayer.getBounds());
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
    else map.setView([31.2, 121.5], 9);
  }

  function showPosition(where) {
    if (!map) return;
    if (positionLayer) positionLayer.remove();
    const latlng = [where.lat, where.lon];
    positionLayer = L.featureGroup([
      L.circle(latlng, { radius: where.accuracy_m || 1, color: "#1d6fb8", weight: 1, fillOpacity: 0.1 }),
      L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 2, fillColor: "#1d6fb8", fillOpacity: 1 }),
    ]).addTo(map);
    fitMap();
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

  function plotAt(lon, lat) {
    return plotsOf(form.producer).find((p) => {
      const polygons = p.geometry.type === "MultiPolygon" ? p.geometry.coordinates : [p.geometry.coordinates];
      return polygons.some((rings) => insideRing(lon, lat, rings[0]));
    });
  }

  /* ---------- GPS ---------- */

  function locate() {
    const status = $("#gps-status");
    const button = $("#gps-btn");
    if (!navigator.geolocation) {
      status.textContent = "本设备不支持定位。";
      return;
    }
    const asked = form;
    status.textContent = "正在定位…";
    status.className = "f-gps";
    button.disabled = true;
    navigator.geolocation.getCurrentPosition((position) => {
      button.disabled = false;
      button.textContent = "重新定位";
      if (form !== asked) return;  // the worker has moved on to another producer
      const c = position.coords;
      form.location = { lon: Number(c.longitude.toFixed(7)), lat: Number(c.latitude.toFixed(7)),
        accuracy_m: Math.round(c.accuracy) };
      const plot = plotAt(form.location.lon, form.location.lat);
      status.className = c.accuracy > 50 ? "f-gps f-warn" : "f-gps f-ok";
      status.textContent = `经度 ${form.location.lon.toFixed(6)}，纬度 ${form.location.lat.toFixed(6)}，` +
        `精度 ±${form.location.accuracy_m} 米` +
        (c.accuracy > 50 ? "（精度较差，可到开阔处重新定位）" : "") +
        (plot ? `；位于地块 ${plot.plot_no} 内` : "");
      if (plot) {
        const box = $(`#plots input[value="${CSS.escape(plot.plot_no)}"]`);
        if (box) box.checked = true;
      }
      showPosition(form.location);
    }, (error) => {
      button.disabled = false;
      button.textContent = "重新定位";
      status.className = "f-gps f-bad";
      status.textContent = ({ 1: "未允许定位：请在浏览器设置中允许本站使用位置。", 2: "暂时无法获取位置，请到开阔处重试。", 3: "定位超时，请重试。" })[error.code] || "定位失败，请重试。";
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }

  /* ---------- inputs in use (投入品) ---------- */

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

  /* ---------- photos: kept as Blobs until the record is uploaded ---------- */

  function addPhotos(files) {
    for (const file of files) {
      if (!["image/jpeg", "image/png"].includes(file.type)) {
        window.alert(`“${file.name}”不是 JPEG 或 PNG 照片`);
        continue;
      }
      form.photos.push({ blob: file, name: file.name || "photo.jpg", type: file.type });
    }
    form.dirty = true;
    renderPhotos();
  }

  function renderPhotos() {
    $$("#photos img").forEach((img) => URL.revokeObjectURL(img.src));
    $("#photos").replaceChildren(...(form ? form.photos : []).map((photo, n) => el("li", {},
      el("img", { src: URL.createObjectURL(photo.blob), alt: `照片 ${n + 1}` }),
      el("button", { type: "button", class: "f-btn f-btn-light", onclick: () => { form.photos.splice(n, 1); renderPhotos(); } }, "删除"))));
  }

  /* ---------- signature on a canvas ---------- */

  const canvas = () => $("#signature");

  function resetSignature() {
    const c = canvas();
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
    if (form) form.inked = false;
  }

  function setupSignature() {
    const c = canvas();
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
      if (form) { form.inked = true; form.dirty = true; }
    });
    const stop = () => { drawing = false; };
    c.addEventListener("pointerup", stop);
    c.addEventListener("pointercancel", stop);
  }

  const signatureBlob = () => new Promise((resolve) => canvas().toBlob(resolve, "image/png"));

  /* ---------- submit: into the outbox first, the network later ---------- */

  async function submitForm(event) {
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
    if (!form.inked && !refused) errors.push("须由生产主体签名，或注明拒签情况");
    $("#form-errors").replaceChildren(...errors.map((e) => el("li", {}, e)));
    if (errors.length) {
      $("#form-errors").scrollIntoView({ block: "center" });
      return;
    }

    const uuid = newUuid();
    const finished = new Date();
    const record = {
      uuid,
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
        refused_signature: form.inked ? "" : refused,
      },
      photos: form.photos.map((p) => ({ blob: p.blob, name: p.name, mediaId: null })),
      signature: form.inked ? { blob: await signatureBlob(), mediaId: null } : null,
      errors: [], lastError: "", answer: null,
    };
    await dbPut("outbox", record);
    form = null;
    location.hash = "#outbox";
    await renderOutbox();
    sync();
  }

  /* ---------- sync: photos, signature, then the record; each step remembered ---------- */

  class Rejected extends Error {
    constructor(messages) { super(messages.join("；")); this.messages = messages; }
  }

  class Transient extends Error {}

  /* Django-ninja answers 422 as {"detail": [{"loc", "msg"}]}; other errors as {"detail": "..."}. */
  async function messagesOf(response) {
    try {
      const body = await response.json();
      if (Array.isArray(body.detail)) {
        // The server's own checks speak Chinese already; a bare schema error (English)
        // needs the field it is about.
        return body.detail.map((d) => {
          const where = (d.loc || []).filter((part) => part !== "body").join(".");
          return /[\u4e00-\u9fff]/.test(d.msg) || !where ? d.msg : `${where}：${d.msg}`;
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

  async function uploadMedia(blob, name) {
    const body = new FormData();
    body.append("file", blob, name);
    const response = await apiFetch("media", { method: "POST", body });
    if (response.status === 201) return (await response.json()).id;
    return failure(response);
  }

  let syncing = false;
  let syncAgain = false;  // asked for while a round was running: run one more after it

  async function syncOne(record) {
    try {
      for (const photo of record.photos) {
        if (photo.mediaId) continue;  // uploaded on an earlier try: never send it twice
        photo.mediaId = await uploadMedia(photo.blob, photo.name);
        await dbPut("outbox", record);
      }
      if (record.signature && !record.signature.mediaId) {
        record.signature.mediaId = await uploadMedia(record.signature.blob, "signature.png");
        await dbPut("outbox", record);
      }
      const body = { ...record.payload, photos: record.photos.map((p) => p.mediaId),
        signature: record.signature ? record.signature.mediaId : null };
      const response = await apiFetch("inspections", { method: "POST", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json" } });
      if (response.status === 201 || response.status === 200) {
        const answer = await response.json();
        record.state = "synced";
        record.answer = { id: answer.id, location_check: answer.location_check, flags: answer.flags || [] };
        record.syncedAt = new Date().toISOString();
        record.lastError = "";
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
    if (!check) return "";
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
      const result = { pass: "合格", rectify: "限期整改", refer: "移交执法" }[r.payload.result];
      return el("li", { class: `f-record f-${r.state}`, "data-uuid": r.uuid, "data-state": r.state },
        el("div", { class: "f-record-head" },
          el("strong", {}, r.producerName),
          el("span", { class: "f-state" }, STATE_LABELS[r.state] || r.state)),
        el("p", { class: "f-muted" }, `${shortTime(r.createdAt)} · ${result} · ${r.photos.length} 张照片` +
          (r.signature ? " · 已签名" : " · 拒签")),
        r.state === "queued" && r.lastError ? el("p", { class: "f-note" }, r.lastError) : null,
        r.answer ? el("p", { class: "f-check-line" }, describeCheck(r.answer.location_check)) : null,
        r.answer && r.answer.flags.length ? el("ul", { class: "f-flags" }, r.answer.flags.map((f) => el("li", {}, f.message || f.code))) : null,
        r.errors && r.errors.length && r.state !== "synced" ? el("ul", { class: "f-errors" }, r.errors.map((m) => el("li", {}, m))) : null,
        r.state === "rejected" || r.state === "conflict"
          ? el("a", { href: `#producer=${r.payload.producer}` }, "重新检查该主体") : null);
    }));
  }

  function showNetwork() {
    const net = $("#net");
    net.textContent = navigator.onLine ? "在线" : "离线";
    net.className = navigator.onLine ? "f-net f-online" : "f-net f-offline";
  }

  /* ---------- start ---------- */

  async function start() {
    showNetwork();
    setupSignature();
    $("#search").addEventListener("input", renderProducers);
    $("#template").addEventListener("change", renderItems);
    $("#gps-btn").addEventListener("click", locate);
    $("#add-input").addEventListener("click", addInputRow);
    $("#photo-input").addEventListener("change", (event) => { addPhotos(event.target.files); event.target.value = ""; });
    $("#sign-clear").addEventListener("click", resetSignature);
    $$("input[name=result]").forEach((radio) => radio.addEventListener("change", () => {
      $("#rectify").hidden = $("input[name=result]:checked").value !== "rectify";
    }));
    $("#view-inspect").addEventListener("input", () => { if (form) form.dirty = true; });
    $("#view-inspect").addEventListener("submit", submitForm);
    $("#sync-now").addEventListener("click", () => { sync(); refreshData(); });
    window.addEventListener("online", () => { showNetwork(); sync(); refreshData(); });
    window.addEventListener("offline", showNetwork);
    setInterval(sync, SYNC_EVERY_MS);

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

  start();
})();
