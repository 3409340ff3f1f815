/* 农安 现场采样: the sampling form (采样单) of the offline field app.

   Opened from a producer (#sample=ID), filled with or without network, kept in the same
   IndexedDB outbox as inspections and sent by the same sync loop (app.js): photos and the
   party's signature to POST /api/v1/media, then the form to POST /api/v1/samples with its
   client uuid. The server issues the sample number (样品编号); the outbox shows it with a
   link to the printable label. A form the server refuses (422) stays in the outbox with the
   reasons and can be corrected here (#sample=ID&fix=UUID) and sent again under its uuid.

   What a sampler needs offline comes from GET /api/v1/sampling-kit (app.js keeps it in
   IndexedDB): the kinds this role may sample, open plans, labs, the GB 2763 food names, the
   enforcement officers with valid cards, and the inputs recorded at each producer. */
"use strict";

(function () {
  const F = window.NonganField;
  const { $, $$, el, state } = F;
  const KIND_LABELS = { routine: "例行监测", supervisory: "监督抽查", risk: "风险监测", rapid: "快速检测" };
  const KIND_ORDER = ["routine", "supervisory", "risk", "rapid"];
  const MIN_SUPERVISORY_SAMPLERS = 2;  // 监督抽查: two samplers or more with enforcement cards

  let form = null;  // the sampling form being filled in, or null
  let map = null;
  let pad = null;
  let photos = null;

  const kit = () => state.kit || { kinds: [], plans: [], labs: [], foods: [], samplers: [], inputs: {}, standard: null };
  const isLab = () => Boolean(state.me && state.me.role === "lab_staff");
  const me = () => (state.me ? state.me.username : "");

  /* ---------- opening the form ---------- */

  F.VIEWS.sample = {
    section: "#view-sample",
    current: () => form,
    close() { form = null; },
    open(producer, params) {
      const fix = params.get("fix");
      form = { producer, location: null, photos: [], analytes: [], dirty: false, fixing: null };
      const asked = form;
      if (!fix) {
        openSample(producer, null);
        return;
      }
      // A refused form to correct: the record is in IndexedDB (keyed by its uuid).
      F.dbGet("outbox", fix).then((record) => {
        if (form !== asked) return;
        const fixable = record && record.type === "sample" && record.state === "rejected" &&
          record.payload.producer === producer.id;
        openSample(producer, fixable ? record : null);
      });
    },
  };

  function openSample(producer, record) {
    const section = $("#view-sample");
    form.fixing = record;
    if (!F.canSample()) {
      section.classList.add("f-missing");
      $(".f-subtitle", section).textContent = state.kit
        ? "本账号不承担抽样工作。" : "本机没有采样资料：请联网后打开一次。";
      return;
    }
    section.classList.remove("f-missing");
    const payload = record ? record.payload : null;
    $("#s-fixing").hidden = !record;
    $("#s-fix-errors").replaceChildren(...(record ? record.errors : []).map((m) => el("li", {}, m)));
    $("#s-errors").replaceChildren();

    renderKinds(payload ? payload.kind : defaultKind());
    renderPlans(payload ? payload.plan : undefined);
    if (payload) {
      form.analytes = [...payload.analytes];
      renderAnalytes();
      if (payload.lab) $("#s-lab").value = String(payload.lab);
    }
    renderPlots(payload ? payload.plot : null);
    renderFoods();
    $("#s-product").value = payload ? payload.product : "";
    $("#s-variety").value = payload ? payload.variety : "";
    $("#s-quantity").value = payload ? payload.quantity : "";
    renderPesticides(producer, payload ? payload.pesticides_used : null);
    renderTeam(payload ? payload.co_samplers : []);
    $("#s-refusal").value = payload ? payload.refusal : "";

    form.photos = record ? record.photos.map((p) => ({ ...p })) : [];
    photos.render();
    pad.reset();
    form.oldSignature = record && record.signature ? { ...record.signature } : null;
    $("#s-old-signature").hidden = !form.oldSignature;

    map.show(F.plotsOf(producer));
    if (record) {
      // Corrected later, maybe at the office: where and when the sample was taken stay.
      form.location = payload.location;
      form.sampledAt = payload.sampled_at;
      $("#s-time").textContent = `采样时间：${F.shortTime(payload.sampled_at)}（原记录）`;
      const status = $("#s-gps-status");
      if (payload.location) {
        const plot = F.plotAt(F.plotsOf(producer), payload.location.lon, payload.location.lat);
        status.className = "f-gps f-ok";
        status.textContent = `原定位：${F.describeFix(payload.location, plot)}`;
        map.position(payload.location);
      }
    } else {
      form.sampledAt = null;
      $("#s-time").textContent = "采样时间：提交时自动记录";
      locateSample();
    }
  }

  /* The kind with an open plan comes first: that is the day's work. */
  function defaultKind() {
    const kinds = kit().kinds;
    const today = F.localDate(new Date());
    return KIND_ORDER.find((k) => kinds.includes(k) && openPlans(k, today).length) ||
      KIND_ORDER.find((k) => kinds.includes(k));
  }

  /* ---------- kind, plan, lab ---------- */

  function renderKinds(selected) {
    const kinds = KIND_ORDER.filter((k) => kit().kinds.includes(k));
    $("#s-kinds").replaceChildren(...kinds.map((k) => el("label", {},
      el("input", { type: "radio", name: "s-kind", value: k, checked: k === selected }),
      el("span", {}, KIND_LABELS[k]))));
  }

  const currentKind = () => { const c = $("input[name=s-kind]:checked"); return c ? c.value : ""; };

  function openPlans(kind, day) {
    return kit().plans.filter((p) => p.kind === kind && p.starts_on <= day && day <= p.ends_on);
  }

  /* Plan-less sampling: ad-hoc 监督抽查, and anything a non-lab role samples on its own. */
  const mayGoWithoutPlan = (kind) => kind === "supervisory" || !isLab();

  function renderPlans(selected) {
    const kind = currentKind();
    const day = form && form.fixing ? form.fixing.payload.sampled_at.slice(0, 10) : F.localDate(new Date());
    const plans = openPlans(kind, day);
    const options = plans.map((p) => el("option", { value: String(p.id) }, p.name));
    if (mayGoWithoutPlan(kind)) {
      options.push(el("option", { value: "" }, kind === "supervisory" ? "无任务（临时监督抽查）" : "不属于监测任务"));
    } else if (!plans.length) {
      options.push(el("option", { value: "" }, "没有进行中的监测任务"));
    }
    $("#s-plan").replaceChildren(...options);
    if (selected !== undefined) $("#s-plan").value = selected === null ? "" : String(selected);
    $("#s-lab").replaceChildren(el("option", { value: "" }, "请选择检测机构"),
      ...kit().labs.map((lab) => el("option", { value: String(lab.id) }, lab.name)));
    planChanged();
    $("#s-team").hidden = kind !== "supervisory";
  }

  const currentPlan = () => kit().plans.find((p) => String(p.id) === $("#s-plan").value) || null;
  const labNeeded = (plan) => !isLab() && !(plan && plan.lab);

  function planChanged() {
    const plan = currentPlan();
    const labName = (id) => (kit().labs.find((lab) => lab.id === id) || {}).name;
    $("#s-plan-note").textContent = plan
      ? `${plan.starts_on} 至 ${plan.ends_on}` + (plan.lab ? `，承检机构：${labName(plan.lab) || plan.lab}` : "") +
        `，检测 ${plan.analytes.length} 项`
      : (isLab() && currentKind() !== "supervisory" ? "检测机构抽样须属于一项进行中的监测任务；请联网更新任务。" : "");
    $("#s-lab-box").hidden = !labNeeded(plan);
    if (form) {
      form.analytes = plan ? [...plan.analytes] : [];
      renderAnalytes();
    }
  }

  /* ---------- plots: one radio each, the one under the GPS fix chosen ---------- */

  function renderPlots(selected) {
    const plots = F.plotsOf(form.producer);
    const choice = (value, text) => el("label", { class: "f-check" },
      el("input", { type: "radio", name: "s-plot", value, checked: value === (selected || "") }),
      el("span", {}, text));
    $("#s-plots").replaceChildren(
      ...plots.map((p) => choice(p.plot_no, `${p.plot_no} · ${p.crop || "未填作物"} · ${p.area_mu} 亩`)),
      choice("", plots.length ? "不在登记地块 / 不指定" : "该主体没有登记地块"));
  }

  function locateSample() {
    if (!form) return;
    F.locate({ status: $("#s-gps-status"), button: $("#s-gps-btn"), form, current: () => form,
      plots: F.plotsOf(form.producer),
      onFix(where, plot) {
        if (plot) {
          const radio = $(`#s-plots input[value="${CSS.escape(plot.plot_no)}"]`);
          if (radio) radio.checked = true;
        }
        map.position(where);
      } });
  }

  /* ---------- product: names from the GB 2763 classification ---------- */

  let foodsShown = null;

  function renderFoods() {
    const foods = kit().foods || [];
    if (foodsShown !== foods) {  // a few hundred options: build them once per kit
      $("#s-foods").replaceChildren(...foods.map((name) => el("option", { value: name })));
      foodsShown = foods;
    }
    $("#s-standard").textContent = kit().standard
      ? `名称按 ${kit().standard} 食品分类填写（可从列表选择）。`
      : "本机未载入限量标准；样品仍可提交，由系统标注。";
  }

  /* ---------- 样品用药: the producer's recorded inputs offered, editable, more added ---------- */

  function pesticideRow(entry, recorded) {
    const use = el("input", { type: "checkbox", name: "use", checked: Boolean(entry.use) });
    const field = (name, label, attrs = {}) => el("input", { class: "f-input", name, placeholder: label,
      "aria-label": label, value: entry[name] || "", ...attrs });
    const row = el("div", { class: "f-input-row f-use-row", "data-crop": entry.crop || "",
      "data-recorded": recorded ? "1" : "" },
      el("label", { class: "f-check f-span" }, use,
        el("span", {}, recorded ? `采用：${entry.pesticide}` + (entry.crop ? `（用于${entry.crop}，巡查记录）` : "（巡查记录）")
          : "采用此行")),
      field("pesticide", "农药名称"),
      field("dose", "用量"),
      el("label", { class: "f-label f-span" }, "施药日期", field("applied_on", "施药日期", { type: "date" })),
      recorded ? null : el("button", { type: "button", class: "f-btn f-btn-light f-remove f-span",
        onclick: () => row.remove() }, "删除此行"));
    use.addEventListener("change", () => { row.dataset.touched = "1"; });
    row.addEventListener("input", (event) => {
      if (event.target !== use) { use.checked = true; row.dataset.touched = "1"; }
    });
    return row;
  }

  function renderPesticides(producer, used) {
    const recorded = kit().inputs[String(producer.id)] || [];
    // A correction shows the rows that were sent, ticked; recorded ones not used stay offered.
    const sent = new Set((used || []).map((u) => u.pesticide));
    $("#s-pesticides").replaceChildren(
      ...(used || []).map((u) => pesticideRow({ ...u, use: true }, false)),
      ...recorded.filter((r) => !sent.has(r.pesticide)).map((r) => pesticideRow({ ...r, use: false }, true)));
    $("#s-pesticides-note").textContent = recorded.length
      ? "以下为巡查记录中该主体近期使用的农药；勾选用于所采样品的，可修改，也可添加。"
      : "巡查记录中没有该主体的用药；如有，请添加。";
  }

  /* A recorded pesticide used on the sampled crop is ticked, unless the sampler chose. */
  function matchCrop() {
    const product = $("#s-product").value.trim();
    $$("#s-pesticides .f-use-row[data-recorded='1']").forEach((row) => {
      if (row.dataset.touched) return;
      const crop = row.dataset.crop;
      $("[name=use]", row).checked = Boolean(product && crop && (product.includes(crop) || crop.includes(product)));
    });
  }

  function addPesticide() {
    const row = pesticideRow({ use: true }, false);
    $("#s-pesticides").append(row);
    $("[name=pesticide]", row).focus();
  }

  function collectPesticides(errors) {
    const rows = [];
    $$("#s-pesticides .f-use-row").forEach((row, n) => {
      if (!$("[name=use]", row).checked) return;
      const value = (name) => $(`[name=${name}]`, row).value.trim();
      const entry = { pesticide: value("pesticide"), dose: value("dose"), applied_on: value("applied_on") || null };
      if (!entry.pesticide && !entry.dose && !entry.applied_on) return;  // an empty row is ignored
      if (!entry.pesticide) errors.push(`样品用药第 ${n + 1} 行须填写农药名称`);
      rows.push(entry);
    });
    return rows;
  }

  /* ---------- 检测项目: the plan's list, editable ---------- */

  function renderAnalytes() {
    $("#s-analytes").replaceChildren(...form.analytes.map((name, n) => el("li", { class: "f-chip" },
      el("span", {}, name),
      el("button", { type: "button", "aria-label": `删除检测项目 ${name}`, onclick: () => {
        form.analytes.splice(n, 1);
        form.dirty = true;
        renderAnalytes();
      } }, "×"))));
    if (!form.analytes.length) {
      $("#s-analytes").append(el("li", { class: "f-muted" }, "尚无检测项目：请添加。"));
    }
  }

  function addAnalyte() {
    const input = $("#s-analyte");
    const names = input.value.split(/[，,、\s]+/).map((s) => s.trim()).filter(Boolean);
    for (const name of names) if (!form.analytes.includes(name)) form.analytes.push(name);
    input.value = "";
    form.dirty = true;
    renderAnalytes();
  }

  /* ---------- 监督抽查: the second sampler (and more) chosen from the carded officers ---------- */

  const colleagues = () => kit().samplers.filter((s) => s.username !== me());
  const carded = (username) => kit().samplers.some((s) => s.username === username);

  function samplerSelect(value) {
    const select = el("select", { class: "f-input", name: "co_sampler", "aria-label": "共同抽样人" },
      el("option", { value: "" }, "请选择共同抽样人"),
      colleagues().map((s) => el("option", { value: s.username }, `${s.name}（执法证 ${s.card_no}）`)));
    select.value = value || "";
    const row = el("div", { class: "f-add" }, select);
    if ($$("#s-co-samplers select").length) {
      row.append(el("button", { type: "button", class: "f-btn f-btn-light", onclick: () => row.remove() }, "删除"));
    }
    return row;
  }

  function renderTeam(chosen) {
    const mine = kit().samplers.find((s) => s.username === me());
    $("#s-me-card").textContent = mine
      ? `本人：${mine.name}（执法证 ${mine.card_no}）`
      : "本人没有有效执法证：须另选两名持证人员。";
    $("#s-co-samplers").replaceChildren();
    for (const name of chosen.length ? chosen : [""]) $("#s-co-samplers").append(samplerSelect(name));
    if (!colleagues().length) {
      $("#s-co-samplers").append(el("p", { class: "f-muted" }, "本机没有可选的持证执法人员，请联网更新。"));
    }
  }

  /* ---------- submit: into the outbox first, the network later ---------- */

  async function submitSample(event) {
    event.preventDefault();
    if (!form || !F.canSample()) return;
    const errors = [];
    const kind = currentKind();
    const plan = currentPlan();
    if (!kind) errors.push("请选择抽样类型");
    if (!plan && !mayGoWithoutPlan(kind)) errors.push("须选择监测任务");
    const lab = $("#s-lab").value;
    if (labNeeded(plan) && !lab) errors.push("须选择检测机构");
    if (!form.location) errors.push("请先获取定位");
    const product = $("#s-product").value.trim();
    if (!product) errors.push("须填写样品名称");
    const pesticides = collectPesticides(errors);
    if (!form.analytes.length) errors.push("须列出检测项目");
    const coSamplers = [...new Set($$("#s-co-samplers select").map((s) => s.value).filter(Boolean))];
    if (kind === "supervisory") {
      const team = [me(), ...coSamplers].filter(carded);
      if (team.length < MIN_SUPERVISORY_SAMPLERS) errors.push("监督抽查须由两名以上持有效执法证的人员抽样：请选择共同抽样人");
    }
    const refusal = $("#s-refusal").value.trim();
    const signed = pad.inked || Boolean(form.oldSignature);
    if (!signed && !refusal) errors.push("须由被抽样方签字确认，或记录拒检/拒签情况");
    if (!F.showFormErrors($("#s-errors"), errors)) return;

    const old = form.fixing;
    const uuid = old ? old.uuid : F.newUuid();
    const now = new Date();
    let signature = null;
    if (pad.inked) signature = { blob: await pad.blob(), mediaId: null };
    else if (form.oldSignature) signature = form.oldSignature;
    const record = {
      uuid,
      type: "sample",
      state: "queued",
      by: me(),
      producerName: form.producer.name,
      createdAt: old ? old.createdAt : now.toISOString(),
      payload: {
        uuid, plan: plan ? plan.id : null, kind,
        lab: labNeeded(plan) ? Number(lab) : null,
        producer: form.producer.id,
        plot: ($("input[name=s-plot]:checked") || {}).value || null,
        product, variety: $("#s-variety").value.trim(), quantity: $("#s-quantity").value.trim(),
        sampled_at: form.sampledAt || F.isoWithOffset(now),
        location: form.location,
        pesticides_used: pesticides,
        analytes: [...form.analytes],
        co_samplers: kind === "supervisory" ? coSamplers : [],
        refusal: signed ? "" : refusal,
      },
      // Photos uploaded before the form was refused keep their media id: sent once only.
      photos: form.photos.map((p) => ({ blob: p.blob, name: p.name, mediaId: p.mediaId || null })),
      signature,
      errors: [], lastError: "", answer: null,
    };
    await F.queueRecord(record);
  }

  /* ---------- in the outbox ---------- */

  F.RECORD_KINDS.sample = {
    label: "采样",
    endpoint: "samples",
    body: (record, photoIds, signatureId) => ({ ...record.payload, photos: photoIds, party_signature: signatureId }),
    keep: (answer) => ({ sample_no: answer.sample_no, location_check: answer.location_check,
      flags: answer.flags || [], verdict: answer.verdict }),
    summary(record) {
      const p = record.payload;
      return [F.shortTime(p.sampled_at || record.createdAt), KIND_LABELS[p.kind] || p.kind, p.product,
        `${record.photos.length} 张照片`, record.signature ? "已签名" : "拒检/拒签"].filter(Boolean).join(" · ");
    },
    details(record) {
      if (record.state !== "synced" || !record.answer || !record.answer.sample_no) return [];
      const no = record.answer.sample_no;
      return [
        el("p", { class: "f-sample-no" }, "样品编号 ", el("b", {}, no)),
        el("a", { class: "f-btn f-btn-light", href: `/samples/${encodeURIComponent(no)}/label/` }, "打印样品标签"),
      ];
    },
    actions: (record) => (record.state === "rejected"
      ? [el("a", { class: "f-btn f-btn-light", href: `#sample=${record.payload.producer}&fix=${record.uuid}` }, "修改后重新提交")]
      : []),
  };

  /* ---------- set-up (before the app starts) ---------- */

  F.onSetup(() => {
    map = F.fieldMap("s-map");
    pad = F.signaturePad($("#s-signature"), () => {
      if (form) form.dirty = true;
    });
    photos = F.photoField($("#s-photo-input"), $("#s-photos"), () => form);
    $("#s-kinds").addEventListener("change", () => renderPlans());
    $("#s-plan").addEventListener("change", planChanged);
    $("#s-gps-btn").addEventListener("click", locateSample);
    $("#s-product").addEventListener("input", matchCrop);
    $("#s-add-pesticide").addEventListener("click", addPesticide);
    $("#s-add-analyte").addEventListener("click", addAnalyte);
    $("#s-analyte").addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); addAnalyte(); }
    });
    $("#s-add-sampler").addEventListener("click", () => $("#s-co-samplers").append(samplerSelect("")));
    $("#s-sign-clear").addEventListener("click", () => pad.reset());
    $("#view-sample").addEventListener("input", () => { if (form) form.dirty = true; });
    $("#view-sample").addEventListener("submit", submitSample);
  });
})();
