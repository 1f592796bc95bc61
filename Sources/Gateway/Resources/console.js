// mlgateway admin console: plain JavaScript over the admin API, built into the binary.
// The admin token lives in this tab's sessionStorage and goes in the Authorization header of each admin call;
// no cookie is set, so another site cannot make the browser call the admin API (no CSRF).
// Every value from the gateway is inserted as text (textContent), never as HTML.
"use strict";

const tokenKey = "mlgateway.adminToken";
const pages = ["endpoints", "templates", "keys", "features", "capture"];
const state = { samples: [], metricsTimer: null, template: null };

// ---------- helpers

function $(id) { return document.getElementById(id); }

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function flash(message, kind) {
  const node = $("flash");
  node.textContent = message;
  node.className = kind || "info";
  node.hidden = !message;
}

class APIError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

// Calls the admin listener with the token; JSON answers are parsed (unless options.raw, for rendered templates,
// which are shown exactly as the model would receive them), others returned as text.
async function api(method, path, options = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(tokenKey) || ""}` };
  let body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.text !== undefined) {
    headers["Content-Type"] = "text/plain; charset=utf-8";
    body = options.text;
  }
  Object.assign(headers, options.headers || {});
  const response = await fetch(path, { method, headers, body, cache: "no-store" });
  const type = response.headers.get("Content-Type") || "";
  const text = await response.text();
  let payload = text;
  if (type.startsWith("application/json") && (!options.raw || !response.ok)) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
  }
  if (!response.ok) {
    const code = response.headers.get("x-amzn-ErrorType") || String(response.status);
    const message = (payload && payload.message) || (typeof payload === "string" ? payload : code);
    if (response.status === 403 && path.startsWith("/admin/")) signOut("The admin token is not valid.");
    throw new APIError(response.status, code, message, payload);
  }
  return payload;
}

// A template error's message without its "name:line:column: " prefix, for showing beside "Line L, column C".
function templateMessage(error) {
  return `Line ${error.body.line}, column ${error.body.column}: ${error.message.replace(/^.*?:\d+:\d+: /, "")}`;
}

function shown(error) {
  flash(error instanceof APIError ? `${error.code}: ${error.message}` : String(error), "error");
}

function when(date) {
  return date ? new Date(date).toLocaleString() : "";
}

// ---------- sign-in and navigation

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(tokenKey, $("token").value);
  $("login-error").hidden = true;
  try {
    await api("GET", "/admin/endpoints");
  } catch (error) {
    $("login-error").textContent = error instanceof APIError ? error.message : String(error);
    $("login-error").hidden = false;
    return;
  }
  $("token").value = "";
  location.hash = "#endpoints";
  route();
}

function signOut(message) {
  sessionStorage.removeItem(tokenKey);
  clearInterval(state.metricsTimer);
  state.metricsTimer = null;
  location.hash = "";
  route();
  if (message) {
    $("login-error").textContent = message;
    $("login-error").hidden = false;
  }
}

function route() {
  const signedIn = sessionStorage.getItem(tokenKey) !== null;
  let page = location.hash.slice(1);
  if (!signedIn) page = "login";
  else if (!pages.includes(page)) page = "endpoints";
  for (const section of document.querySelectorAll(".page")) section.hidden = section.id !== `page-${page}`;
  $("nav").hidden = !signedIn;
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("active", link.dataset.page === page);
  }
  flash("");
  if (signedIn && !state.metricsTimer) {
    sampleMetrics();
    state.metricsTimer = setInterval(sampleMetrics, 2000);
  }
  const load = { endpoints: loadEndpoints, templates: loadTemplates, keys: loadKeys, features: loadFeatures,
    capture: loadCapture }[page];
  if (load) load().catch(shown);
}

// ---------- metrics: /metrics sampled every 2 s, kept for 10 minutes

// Parses Prometheus text into [{name, labels, value}].
function parseMetrics(text) {
  const series = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const pair of (match[2] || "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2].replace(/\\(.)/g, "$1");
    }
    series.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return series;
}

function total(series, name, filter) {
  return series.filter((s) => s.name === name && (!filter || filter(s.labels))).reduce((sum, s) => sum + s.value, 0);
}

async function sampleMetrics() {
  let text;
  try {
    const response = await fetch("/metrics", { cache: "no-store" });
    text = await response.text();
  } catch {
    return;
  }
  const series = parseMetrics(text);
  const buckets = {};
  for (const s of series) {
    if (s.name !== "mlgateway_model_latency_seconds_bucket") continue;
    buckets[s.labels.le] = (buckets[s.labels.le] || 0) + s.value;
  }
  state.samples.push({
    at: Date.now(),
    series,
    invocations: total(series, "mlgateway_invocations_total"),
    errors4xx: total(series, "mlgateway_invocation_4xx_errors_total"),
    errors5xx: total(series, "mlgateway_invocation_5xx_errors_total"),
    latencySum: total(series, "mlgateway_model_latency_seconds_sum"),
    latencyCount: total(series, "mlgateway_model_latency_seconds_count"),
    buckets,
  });
  while (state.samples.length > 300) state.samples.shift();
  if (!$("page-endpoints").hidden) loadEndpoints().catch(shown);
}

// The p-quantile (0…1) of the observations between two bucket snapshots, as a bucket's upper bound, in seconds.
function quantile(before, after, p) {
  const bounds = Object.keys(after).filter((le) => le !== "+Inf").map(Number).sort((a, b) => a - b);
  const count = (after["+Inf"] || 0) - (before["+Inf"] || 0);
  if (count <= 0) return null;
  for (const bound of bounds) {
    const key = Object.keys(after).find((le) => Number(le) === bound);
    if ((after[key] || 0) - (before[key] || 0) >= p * count) return bound;
  }
  return bounds.length ? bounds[bounds.length - 1] : null;
}

function rates() {
  const points = [];
  for (let i = 1; i < state.samples.length; i++) {
    const a = state.samples[i - 1];
    const b = state.samples[i];
    const seconds = (b.at - a.at) / 1000;
    const count = b.latencyCount - a.latencyCount;
    const p99 = quantile(a.buckets, b.buckets, 0.99);
    points.push({
      at: b.at,
      invocations: Math.max(0, (b.invocations - a.invocations) / seconds),
      errors4xx: Math.max(0, (b.errors4xx - a.errors4xx) / seconds),
      errors5xx: Math.max(0, (b.errors5xx - a.errors5xx) / seconds),
      mean: count > 0 ? ((b.latencySum - a.latencySum) / count) * 1000 : null,
      p99: p99 === null ? null : p99 * 1000,
    });
  }
  return points;
}

// Draws lines [{label, color, values}] over the sample times on a canvas, with a y axis from 0.
function drawChart(canvas, points, lines) {
  const context = canvas.getContext("2d");
  const width = canvas.width;
  const height = canvas.height;
  const left = 44;
  const bottom = 20;
  context.clearRect(0, 0, width, height);
  context.font = "11px system-ui, sans-serif";
  context.fillStyle = "#667";
  const values = lines.flatMap((line) => points.map(line.value)).filter((v) => v !== null && Number.isFinite(v));
  const top = Math.max(1e-9, ...values) * 1.15 || 1;
  context.strokeStyle = "#dde";
  for (let i = 0; i <= 4; i++) {
    const y = (height - bottom) * (1 - i / 4);
    context.beginPath();
    context.moveTo(left, y);
    context.lineTo(width, y);
    context.stroke();
    const label = (top * i) / 4;
    context.fillText(label >= 10 ? label.toFixed(0) : label.toPrecision(2), 2, Math.max(10, y - 2));
  }
  if (points.length === 0) {
    context.fillText("waiting for samples…", left + 10, height / 2);
    return;
  }
  const start = points[0].at;
  const span = Math.max(1, points[points.length - 1].at - start);
  const x = (at) => left + ((width - left - 4) * (at - start)) / span;
  const y = (v) => (height - bottom) * (1 - v / top);
  lines.forEach((line, index) => {
    context.strokeStyle = line.color;
    context.lineWidth = 2;
    context.beginPath();
    let drawing = false;
    for (const point of points) {
      const v = line.value(point);
      if (v === null || !Number.isFinite(v)) {
        drawing = false;
        continue;
      }
      if (drawing) context.lineTo(x(point.at), y(v));
      else context.moveTo(x(point.at), y(v));
      drawing = true;
    }
    context.stroke();
    context.fillStyle = line.color;
    context.fillText(line.label, left + 8 + index * 90, height - 5);
  });
  context.lineWidth = 1;
}

function drawCharts() {
  const points = rates();
  drawChart($("chart-invocations"), points, [{ label: "invocations/s", color: "#2563eb", value: (p) => p.invocations }]);
  drawChart($("chart-errors"), points, [
    { label: "4xx/s", color: "#d97706", value: (p) => p.errors4xx },
    { label: "5xx/s", color: "#dc2626", value: (p) => p.errors5xx },
  ]);
  drawChart($("chart-latency"), points, [
    { label: "mean", color: "#059669", value: (p) => p.mean },
    { label: "p99", color: "#7c3aed", value: (p) => p.p99 },
  ]);
}

function latest(name, labels) {
  const sample = state.samples[state.samples.length - 1];
  if (!sample) return 0;
  return total(sample.series, name, (l) => Object.entries(labels).every(([k, v]) => l[k] === v));
}

// ---------- endpoints

async function loadEndpoints() {
  const [document, comparison] = await Promise.all([api("GET", "/admin/endpoints"), api("GET", "/admin/shadows")]);
  const agreement = {};
  for (const shadow of comparison.shadows) {
    agreement[`${shadow.endpoint}\u0000${shadow.variant}`] = shadow.agreement_rate === null ? "no answers yet"
      : `${(100 * shadow.agreement_rate).toFixed(1)}% of ${shadow.compared} agree`;
  }
  const store = document.state_store;
  $("generation").textContent = `configuration generation ${document.generation}`;
  $("state-store").textContent = store.kind === "postgres"
    ? `keys and templates in PostgreSQL ${store.location}: ${store.reachable ? "reachable" : `unreachable (${store.error || "not connected"}); serving the state loaded last, changes refused`}`
    : `keys and templates in SQLite ${store.location}`;
  $("state-store").className = store.reachable ? "" : "bad";
  $("endpoints").replaceChildren(...document.endpoints.map((endpoint) => {
    const rows = endpoint.variants.flatMap((variant) => variant.backends.map((backend, index) => el("tr", {},
      el("td", {}, index === 0 ? variant.name : ""),
      el("td", {}, index === 0 ? String(variant.weight) : ""),
      el("td", {}, index === 0 && variant.shadow
        ? `shadow: ${agreement[`${endpoint.name}\u0000${variant.name}`] || "not compared"}` : ""),
      el("td", {}, backend.url),
      el("td", { class: backend.healthy ? "ok" : "bad" }, backend.healthy ? "healthy" : "unhealthy"),
      el("td", { class: backend.circuit === "closed" ? "ok" : "bad" }, backend.circuit),
      el("td", {}, String(backend.outstanding)),
      el("td", {}, index === 0
        ? String(latest("mlgateway_invocations_total", { endpoint: endpoint.name, variant: variant.name })) : ""))));
    const heads = ["Variant", "Weight", "Shadow", "Backend", "Health", "Circuit", "In flight", "Invocations"];
    return el("div", { class: "card endpoint" },
      el("h3", {}, endpoint.name, " ", el("span", { class: "badge" }, `auth: ${endpoint.auth}`)),
      el("table", { class: "list" },
        el("thead", {}, el("tr", {}, heads.map((h) => el("th", {}, h)))),
        el("tbody", {}, rows)));
  }));
  drawCharts();
}

// ---------- templates

function templatePath(key) {
  const query = key.variant ? `?variant=${encodeURIComponent(key.variant)}` : "";
  return `/admin/endpoints/${encodeURIComponent(key.endpoint)}/templates/${key.direction}/${key.contentType}`
    + (key.suffix || "") + query;
}

function withSuffix(key, suffix, query) {
  const base = templatePath({ ...key, suffix });
  if (!query) return base;
  return base + (base.includes("?") ? "&" : "?") + query;
}

async function loadTemplates() {
  const templates = await api("GET", "/admin/templates");
  fill($("templates-table").tBodies[0], templates.map((t) => el("tr", {},
    el("td", {}, el("a", { href: "#templates", onclick: (event) => { event.preventDefault(); openTemplate(t); } },
      t.endpoint)),
    el("td", {}, t.variant || "—"), el("td", {}, t.direction), el("td", {}, t.content_type),
    el("td", {}, t.origin), el("td", {}, t.version ?? "file"))));
}

async function openTemplate(summary) {
  const key = { endpoint: summary.endpoint, variant: summary.variant || "", direction: summary.direction,
    contentType: summary.content_type };
  state.template = { key, latest: 0 };
  $("template-editor").hidden = false;
  $("template-title").textContent =
    `${key.endpoint}${key.variant ? ` / ${key.variant}` : ""} · ${key.direction} · ${key.contentType}`;
  $("render-output").textContent = "";
  $("diff-output").textContent = "";
  let source = "";
  try {
    const current = await api("GET", templatePath(key));
    source = current.source || "";
    state.template.latest = current.latest_version || 0;
    $("template-active").textContent = current.origin === "stored"
      ? `Active: stored version ${current.version} by ${current.author || "?"}, ${when(current.updated_at)}`
      : `Active: ${current.file || "gateway.conf"} (no stored version)`;
  } catch (error) {
    if (!(error instanceof APIError && error.status === 404)) throw error;
    $("template-active").textContent = "No template yet: saving stores version 1.";
  }
  $("template-source").value = source;
  updateGutter();
  await validateTemplate();
  await loadVersions();
}

function updateGutter(errorLine) {
  const lines = $("template-source").value.split("\n").length;
  $("template-gutter").replaceChildren(...Array.from({ length: lines }, (_, i) =>
    el("span", { class: i + 1 === errorLine ? "error-line" : "" }, `${i + 1}\n`)));
}

let validateTimer = null;
function scheduleValidation() {
  updateGutter();
  clearTimeout(validateTimer);
  validateTimer = setTimeout(() => validateTemplate().catch(shown), 250);
}

// Compiles the text as it is typed (the render operation with an empty sample): a syntax error names its
// line:column; a failure to evaluate against the empty sample is not a syntax error and is left to Render.
async function validateTemplate() {
  const status = $("template-status");
  try {
    await api("POST", "/admin/templates/render", { json: { template: $("template-source").value, body: "" } });
    status.textContent = "No syntax errors.";
    status.className = "status ok";
    updateGutter();
  } catch (error) {
    if (!(error instanceof APIError) || !error.body || error.body.kind !== "syntax") {
      status.textContent = "No syntax errors.";
      status.className = "status ok";
      updateGutter();
      return;
    }
    status.textContent = templateMessage(error);
    status.className = "status error";
    updateGutter(error.body.line);
  }
}

async function saveTemplate() {
  const { key } = state.template;
  try {
    const version = await api("PUT", templatePath(key), { text: $("template-source").value,
      headers: { "If-Match": `"${state.template.latest}"`, "X-Mlgateway-Author": "console" } });
    state.template.latest = version.version;
    flash(`Stored and activated version ${version.version}.`, "ok");
    await openTemplate({ endpoint: key.endpoint, variant: key.variant, direction: key.direction,
      content_type: key.contentType });
    await loadTemplates();
  } catch (error) {
    if (error instanceof APIError && error.body && error.body.line) {
      $("template-status").textContent = templateMessage(error);
      $("template-status").className = "status error";
    }
    shown(error);
  }
}

async function deleteTemplate() {
  const { key } = state.template;
  try {
    await api("DELETE", templatePath(key), { headers: { "X-Mlgateway-Author": "console" } });
    flash("Stored template deleted; gateway.conf's applies again, if any.", "ok");
    await loadTemplates();
    await loadVersions();
  } catch (error) {
    shown(error);
  }
}

async function renderTemplate() {
  const { key } = state.template;
  let headers;
  try {
    headers = JSON.parse($("render-headers").value || "{}");
  } catch (error) {
    flash(`Headers must be a JSON object: ${error.message}`, "error");
    return;
  }
  try {
    $("render-output").textContent = await api("POST", withSuffix(key, "/render"), { raw: true,
      json: { template: $("template-source").value, body: $("render-body").value, content_type: key.contentType,
        headers } });
    $("render-output").className = "output";
  } catch (error) {
    $("render-output").textContent = error instanceof APIError && error.body && error.body.line
      ? templateMessage(error) : String(error.message || error);
    $("render-output").className = "output error";
  }
}

async function loadVersions() {
  const { key } = state.template;
  let versions = [];
  try {
    versions = await api("GET", withSuffix(key, "/versions"));
  } catch (error) {
    if (!(error instanceof APIError && error.status === 404)) throw error;
  }
  if (versions.length) state.template.latest = versions[versions.length - 1].version;
  fill($("versions-table").tBodies[0], versions.slice().reverse().map((v) => el("tr", {},
    el("td", {}, String(v.version)), el("td", {}, v.action + (v.restored_from ? ` (from ${v.restored_from})` : "")),
    el("td", {}, v.author), el("td", {}, when(v.created_at)),
    el("td", {}, v.action === "delete" || v.version === versions[versions.length - 1].version ? "" : el("button", { type: "button", class: "secondary rollback",
      "data-version": v.version, onclick: () => rollbackTemplate(v.version) }, "Roll back to this")))));
  for (const select of [$("diff-from"), $("diff-to")]) {
    select.replaceChildren(...versions.map((v) => el("option", { value: v.version }, `v${v.version}`)));
  }
  if (versions.length > 1) $("diff-from").value = String(versions[versions.length - 2].version);
  if (versions.length) $("diff-to").value = String(versions[versions.length - 1].version);
  const audit = await api("GET", `/admin/templates/audit?endpoint=${encodeURIComponent(key.endpoint)}&limit=20`);
  fill($("audit-table").tBodies[0], audit.map((entry) => el("tr", {},
    el("td", {}, when(entry.at)), el("td", {}, `${entry.actor} (${entry.origin})`), el("td", {}, entry.action),
    el("td", {}, `${entry.variant || "—"} ${entry.direction} ${entry.content_type}`),
    el("td", {}, entry.version ?? ""))));
}

async function rollbackTemplate(version) {
  const { key } = state.template;
  try {
    const restored = await api("POST", withSuffix(key, "/rollback", `to=${version}`),
      { headers: { "X-Mlgateway-Author": "console" } });
    flash(`Rolled back: version ${restored.version} restores version ${version}.`, "ok");
    await openTemplate({ endpoint: key.endpoint, variant: key.variant, direction: key.direction,
      content_type: key.contentType });
    await loadTemplates();
  } catch (error) {
    shown(error);
  }
}

async function diffTemplate() {
  const { key } = state.template;
  try {
    const text = await api("GET", withSuffix(key, "/diff", `from=${$("diff-from").value}&to=${$("diff-to").value}`));
    $("diff-output").replaceChildren(...String(text).split("\n").map((line) => el("span", {
      class: line.startsWith("+") ? "added" : line.startsWith("-") ? "removed" : "" }, `${line}\n`)));
  } catch (error) {
    shown(error);
  }
}

function newTemplate(event) {
  event.preventDefault();
  openTemplate({ endpoint: $("new-endpoint").value.trim(), variant: $("new-variant").value.trim(),
    direction: $("new-direction").value, content_type: $("new-type").value.trim() }).catch(shown);
}

// ---------- keys

function limits(key) {
  const parts = [];
  if (key.rateLimit) parts.push(`${key.rateLimit.perSecond}/s burst ${key.rateLimit.burst}`);
  if (key.quota) parts.push(`quota ${key.quota.limit}/${key.quota.period}`);
  return parts.join(", ") || "none";
}

async function loadKeys() {
  const { keys } = await api("GET", "/admin/keys");
  fill($("keys-table").tBodies[0], keys.map((key) => el("tr", { "data-key": key.id },
    el("td", {}, el("code", {}, key.id)), el("td", {}, key.name),
    el("td", {}, key.endpoints.length ? key.endpoints.join(", ") : "all"),
    el("td", { class: key.status === "active" ? "ok" : "bad" }, key.status),
    el("td", {}, when(key.expiresAt) || "never"), el("td", {}, limits(key)),
    el("td", {}, key.status === "revoked" ? "" : [
      el("button", { type: "button", class: "secondary", onclick: () => keyAction(key, "rotate") }, "Rotate"),
      " ",
      el("button", { type: "button", class: "danger", onclick: () => keyAction(key, "revoke") }, "Revoke"),
    ]))));
}

function showSecret(created) {
  const lines = [`id:      ${created.id}`, `API key: ${created.apiKey}`];
  if (created.accessKeyId) {
    lines.push(`access key ID:     ${created.accessKeyId}`, `secret access key: ${created.secretAccessKey}`);
  }
  $("key-secret-text").textContent = lines.join("\n");
  $("key-secret").hidden = false;
}

async function createKey(event) {
  event.preventDefault();
  const options = { name: $("key-name").value.trim(), sigv4: $("key-sigv4").checked };
  const endpoints = $("key-endpoints").value.split(",").map((s) => s.trim()).filter(Boolean);
  if (endpoints.length) options.endpoints = endpoints;
  for (const [field, id] of [["expires", "key-expires"], ["rate", "key-rate"], ["quota", "key-quota"]]) {
    const value = $(id).value.trim();
    if (value) options[field] = value;
  }
  if ($("key-burst").value) options.burst = Number($("key-burst").value);
  try {
    showSecret(await api("POST", "/admin/keys", { json: options }));
    $("key-form").reset();
    await loadKeys();
  } catch (error) {
    shown(error);
  }
}

async function keyAction(key, action) {
  if (action === "revoke" && !confirm(`Revoke ${key.name} (${key.id}) for good?`)) return;
  try {
    const result = await api("POST", `/admin/keys/${encodeURIComponent(key.id)}/${action}`);
    if (action === "rotate") showSecret(result);
    flash(action === "rotate" ? `Rotated ${key.id}: the old secret no longer works.` : `Revoked ${key.id}.`, "ok");
    await loadKeys();
  } catch (error) {
    shown(error);
  }
}

// ---------- features

async function loadFeatures() {
  const document = await api("GET", "/admin/features");
  if (!document.configured) {
    $("features-state").textContent = "No [feature_store] is configured.";
  } else {
    const warming = document.views.some((view) => view.warmup);
    $("features-state").textContent = !warming ? "Ready: no view configures a warm-up."
      : document.warm ? `Warm: ${document.warmup_keys_loaded} entities loaded by warm-up.`
        : `Warming up: ${document.warmup_keys_loaded} entities loaded so far (not ready yet).`;
  }
  fill($("views-table").tBodies[0], document.views.map((view) => {
    const hits = latest("mlgateway_feature_cache_hits_total", { view: view.name });
    const misses = latest("mlgateway_feature_cache_misses_total", { view: view.name });
    const warmup = view.warmup
      ? `${view.warmup.source}: ${view.warmup.outcome || "running"}${view.warmup.keys_loaded !== undefined
        ? `, ${view.warmup.keys_loaded} loaded` : ""}` : "none";
    return el("tr", {}, el("td", {}, view.name), el("td", {}, view.entity_keys.join(" | ")),
      el("td", {}, view.features.join(", ")), el("td", {}, `${view.cache_ttl_seconds} s`),
      el("td", {}, hits + misses ? `${((100 * hits) / (hits + misses)).toFixed(1)}% of ${hits + misses}` : "—"),
      el("td", {}, warmup));
  }));
  $("lookup-view").replaceChildren(...document.views.map((view) => el("option", { value: view.name }, view.name)));
}

async function lookupEntity(event) {
  event.preventDefault();
  const view = $("lookup-view").value;
  const entity = $("lookup-entity").value;
  try {
    const found = await api("GET",
      `/admin/features/${encodeURIComponent(view)}/entities/${encodeURIComponent(entity)}`);
    $("lookup-result").replaceChildren(el("table", { class: "list card" },
      el("thead", {}, el("tr", {}, el("th", {}, "Feature"), el("th", {}, `Value (from ${found.source})`))),
      el("tbody", {}, Object.entries(found.features).map(([name, value]) =>
        el("tr", {}, el("td", {}, name), el("td", {}, value === null ? "missing" : value))))));
  } catch (error) {
    shown(error);
  }
}

// ---------- capture and drift

async function loadCapture() {
  const document = await api("GET", "/admin/endpoints");
  fill($("capture-table").tBodies[0], document.endpoints.map((endpoint) => {
    const capture = endpoint.capture;
    const labels = { endpoint: endpoint.name };
    return el("tr", {}, el("td", {}, endpoint.name),
      el("td", {}, capture && capture.enabled ? "on" : "off"),
      el("td", {}, capture ? `${capture.sampling_percentage}%` : ""),
      el("td", {}, capture ? capture.destination : ""),
      el("td", {}, capture ? String(latest("mlgateway_capture_records_total", labels)) : ""),
      el("td", {}, capture ? String(latest("mlgateway_capture_dropped_total", labels)) : ""));
  }));
  const target = $("monitor-report");
  let report;
  try {
    report = await api("GET", "/admin/monitor/latest");
  } catch (error) {
    if (!(error instanceof APIError && error.status === 404)) throw error;
    target.replaceChildren(el("p", { class: "hint" }, error.message));
    return;
  }
  const violations = (report.constraint_violations && report.constraint_violations.violations) || [];
  target.replaceChildren(
    el("p", {}, `Run ${report.run}, ${when(report.modified)}: ${violations.length} violation(s).`),
    el("table", { class: "list" },
      el("thead", {}, el("tr", {}, ["Feature", "Type", "Distance", "Threshold", "PSI", "Drift"].map((h) =>
        el("th", {}, h)))),
      el("tbody", {}, (report.drift.features || []).map((feature) => el("tr", {},
        el("td", {}, feature.name), el("td", {}, feature.inferred_type || ""),
        el("td", {}, Number(feature.distance).toFixed(4)), el("td", {}, String(feature.threshold)),
        el("td", {}, feature.psi === undefined ? "" : Number(feature.psi).toFixed(3)),
        el("td", { class: feature.drift ? "bad" : "ok" }, feature.drift ? "drift" : "no drift"))))),
    el("ul", {}, violations.map((v) => el("li", {}, `${v.feature_name}: ${v.constraint_check_type} — ${v.description}`))),
    el("button", { type: "button", class: "secondary", onclick: showReport }, "Show the HTML report"),
    el("iframe", { id: "report-frame", title: "drift report", hidden: true }));
}

async function showReport() {
  try {
    const html = await api("GET", "/admin/monitor/latest/report.html");
    const frame = $("report-frame");
    frame.src = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    frame.hidden = false;
  } catch (error) {
    shown(error);
  }
}

// ---------- start

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", signIn);
  $("logout").addEventListener("click", () => signOut());
  $("template-source").addEventListener("input", scheduleValidation);
  $("template-source").addEventListener("scroll", () => { $("template-gutter").scrollTop = $("template-source").scrollTop; });
  $("template-save").addEventListener("click", saveTemplate);
  $("template-delete").addEventListener("click", deleteTemplate);
  $("template-render").addEventListener("click", renderTemplate);
  $("template-diff").addEventListener("click", diffTemplate);
  $("template-new").addEventListener("submit", newTemplate);
  $("key-form").addEventListener("submit", createKey);
  $("key-secret-dismiss").addEventListener("click", () => { $("key-secret").hidden = true; });
  $("lookup-form").addEventListener("submit", lookupEntity);
  window.addEventListener("hashchange", route);
  route();
});
