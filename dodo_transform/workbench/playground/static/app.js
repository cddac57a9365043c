// The playground page: edit, pick an input, Run (POST api/test, the records of
// `dodo-transform test --json`), show them. Every URL is relative to the page, so the same
// page works at / (dodo-transform playground) and under /ui/playground (serve's console).
"use strict";

const $ = (id) => document.getElementById(id);
const DEFAULT_URL = "https://example.invalid/webhook";
const LABEL = { ok: "SEND", cancelled: "CANCELLED", error: "ERROR" };
const STARTER = `function handler(webhook) {
  if (webhook.eventType === "payment.succeeded") {
    const data = webhook.payload.data;
    webhook.url = "https://connect.mailerlite.com/api/subscribers";
    webhook.payload = { email: data.customer.email, fields: { name: data.customer.name } };
  }
  return webhook;
}
`;

const state = {
  session: null,
  editor: null,
  handler: null, // the opened handler's name, or null
  sample: null, // the picked sample's name, or null when the envelope is the user's own
  origin: "", // what the envelope textarea holds: a sample, an upload, or edited text
};

function show(el, on) {
  el.hidden = !on;
}

function message(text) {
  $("message").textContent = text || "";
  show($("message"), Boolean(text));
}

async function api(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    data = { error: `HTTP ${response.status}` };
  }
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

// -- JSON as Python prints it: the record line exactly as `dodo-transform test --json` ------

function pyJson(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "[" + value.map(pyJson).join(", ") + "]";
  if (typeof value === "object") {
    return "{" + Object.keys(value).map((k) => JSON.stringify(k) + ": " + pyJson(value[k])).join(", ") + "}";
  }
  return JSON.stringify(value);
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (e) {
    return text;
  }
}

// -- a line diff (longest common subsequence; payloads are small) ---------------------------

function diffLines(before, after) {
  const a = before.split("\n"), b = after.split("\n");
  const n = a.length, m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push([" ", a[i]]); i++; j++; }
    else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) { out.push(["+", b[j]]); j++; }
    else { out.push(["-", a[i]]); i++; }
  }
  return out;
}

function renderDiff(el, before, after) {
  el.textContent = "";
  const lines = diffLines(before, after);
  if (lines.every(([op]) => op === " ")) {
    el.textContent = "(unchanged: the event is passed through as it came)";
    return;
  }
  for (const [op, text] of lines) {
    const span = document.createElement("span");
    span.className = op === "+" ? "add" : op === "-" ? "del" : "";
    span.textContent = `${op} ${text}\n`;
    el.appendChild(span);
  }
}

// -- inputs ----------------------------------------------------------------------------------

function fillSamples() {
  const wanted = $("sample-search").value.trim().toLowerCase();
  const select = $("sample");
  select.textContent = "";
  for (const s of state.session.samples) {
    if (wanted && !s.name.toLowerCase().includes(wanted)) continue;
    const option = document.createElement("option");
    option.value = s.name;
    option.textContent = s.name === s.event_type ? s.name : `${s.event_type} — ${s.name.split("__")[1]}`;
    option.selected = s.name === state.sample;
    select.appendChild(option);
  }
}

function pickSample(name) {
  state.sample = name;
  $("envelope").value = pretty(state.session.sample_texts[name]);
  $("envelope-origin").textContent = `built-in sample ${name}`;
  fillSamples();
}

function parseEnv() {
  const env = {};
  for (const line of $("env").value.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    if (at < 1) throw new Error(`env: ${JSON.stringify(line)}: expected KEY=VALUE`);
    env[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return env;
}

function request(all) {
  const body = {
    code: state.editor.text,
    url: $("url").value.trim() || DEFAULT_URL,
    env: parseEnv(),
    now: $("now").value.trim() || null,
  };
  if (all) return body;
  if (state.sample) {
    body.event = state.sample;
  } else {
    try {
      body.payload = JSON.parse($("envelope").value);
    } catch (e) {
      throw new Error(`the envelope is not valid JSON: ${e.message}`);
    }
  }
  return body;
}

// -- results ---------------------------------------------------------------------------------

function markEditor(record) {
  const marks = [];
  const error = record.error;
  if (error && error.line) {
    marks.push({ line: error.line, column: error.column, message: error.message, severity: "error" });
  }
  for (const w of record.warnings) {
    const at = /:(\d+):(\d+)$/.exec(w.path || "");
    if (at) marks.push({ line: +at[1], column: +at[2], message: w.message, severity: "warning" });
  }
  state.editor.mark(marks);
}

function showRecord(record, envelopeText) {
  show($("result"), true);
  const decision = $("decision");
  decision.textContent = LABEL[record.status];
  decision.className = record.status;
  $("event-type").textContent = `${record.event_type || "(no type)"}  ${record.payload_file || "(envelope)"}`;
  $("took").textContent = `${record.duration_ms.toFixed(2)} ms`;
  const error = record.error;
  show($("error"), Boolean(error));
  if (error) {
    const where = error.line ? ` at line ${error.line}, column ${error.column}` : "";
    $("error-text").textContent = `${error.kind}${where}: ${error.message}`;
    $("error-hint").textContent = error.hint || "";
    $("error-stack").textContent = error.stack || "";
    show($("error-stack"), Boolean(error.stack));
  }
  const req = record.request;
  show($("request"), Boolean(req));
  if (req) {
    $("request-line").textContent = `${req.method} ${req.url}`;
    const table = $("headers");
    table.textContent = "";
    for (const [k, v] of Object.entries(req.headers)) {
      const row = table.insertRow();
      row.insertCell().textContent = `${k}:`;
      row.insertCell().textContent = v;
    }
    $("body").textContent = pretty(req.body);
    renderDiff($("diff"), pretty(envelopeText), pretty(req.body));
  }
  const logs = $("logs");
  logs.textContent = "";
  for (const line of record.logs) {
    const li = document.createElement("li");
    li.className = line.level;
    const level = document.createElement("span");
    level.className = "level";
    level.textContent = `console.${line.level}`;
    li.append(level, line.message);
    logs.appendChild(li);
  }
  show($("logs-title"), record.logs.length > 0);
  const warnings = $("warnings");
  warnings.textContent = "";
  for (const w of record.warnings) {
    const li = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = `[${w.code}] ${w.path}`;
    li.append(code, `: ${w.message}`);
    warnings.appendChild(li);
  }
  show($("warnings-title"), record.warnings.length > 0);
  $("record").textContent = pyJson(record);
  markEditor(record);
}

function envelopeOf(record) {
  return state.session.sample_texts[record.payload_file] || $("envelope").value;
}

async function run() {
  message("");
  let body;
  try {
    body = request(false);
  } catch (e) {
    return message(e.message);
  }
  $("run").disabled = true;
  try {
    const data = await api("api/test", body);
    show($("all"), false);
    const record = data.results[0];
    showRecord(record, state.sample ? state.session.sample_texts[state.sample] : $("envelope").value);
  } catch (e) {
    show($("result"), false); // the last run's result is not this code's
    message(e.message);
  } finally {
    $("run").disabled = false;
  }
}

async function runAll() {
  message("");
  let body;
  try {
    body = request(true);
  } catch (e) {
    return message(e.message);
  }
  $("run-all").disabled = true;
  try {
    const { results } = await api("api/test", body);
    const counts = { ok: 0, cancelled: 0, error: 0 };
    const tbody = $("all-table").tBodies[0];
    tbody.textContent = "";
    results.forEach((record) => {
      counts[record.status] += 1;
      const row = tbody.insertRow();
      row.dataset.sample = record.payload_file;
      row.insertCell().textContent = record.payload_file;
      row.insertCell().textContent = record.event_type;
      const cell = row.insertCell();
      cell.textContent = LABEL[record.status];
      cell.className = record.status;
      row.insertCell().textContent = record.request
        ? `${record.request.method} ${record.request.url}`
        : record.error ? `${record.error.kind}: ${record.error.message}` : "nothing is sent";
      row.insertCell().textContent = record.warnings.length || "";
      row.addEventListener("click", () => {
        showRecord(record, envelopeOf(record));
        $("result").scrollIntoView({ block: "start" });
      });
    });
    $("all-summary").textContent =
      `${results.length} payload(s): ${counts.ok} send, ${counts.cancelled} cancelled, ${counts.error} error(s)`;
    show($("result"), false);
    show($("all"), true);
  } catch (e) {
    message(e.message);
  } finally {
    $("run-all").disabled = false;
  }
}

async function save() {
  $("save-state").textContent = "";
  try {
    const data = await api("api/save", { name: state.handler, code: state.editor.text });
    $("save-state").textContent = `saved ${data.saved}`;
  } catch (e) {
    message(e.message);
  }
}

function download() {
  const name = (state.handler || "handler.js").split("/").pop();
  const url = URL.createObjectURL(new Blob([state.editor.text], { type: "text/javascript" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name.endsWith(".js") ? name : `${name}.js`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function openHandler(name) {
  const file = state.session.handlers.find((h) => h.name === name);
  state.handler = file ? file.name : null;
  state.editor.text = file ? file.code : STARTER;
  $("handler-name").textContent = file ? file.name : "(new handler)";
  if (file && file.problem) message(file.problem);
  $("save-state").textContent = "";
}

async function start() {
  state.session = await api("api/session");
  const handlers = state.session.handlers;
  state.editor = window.DodoEditor.create($("editor"), "", () => { $("save-state").textContent = ""; });
  if (handlers.length > 1) {
    for (const h of handlers) $("handler").add(new Option(h.name, h.name));
    show($("handler-pick"), true);
    $("handler").addEventListener("change", (e) => openHandler(e.target.value));
  }
  openHandler(handlers.length ? handlers[0].name : null);
  show($("save"), state.session.can_save);
  $("save").title = "write the handler back to its file";
  $("download").title = state.session.can_save ? "download the code" : state.session.save_off_reason;
  pickSample(state.session.samples.some((s) => s.name === "payment.succeeded")
    ? "payment.succeeded" : state.session.samples[0].name);
  $("sample-search").addEventListener("input", fillSamples);
  $("sample").addEventListener("change", (e) => pickSample(e.target.value));
  $("envelope").addEventListener("input", () => {
    if (state.sample) {
      state.sample = null; // the user's own envelope now: no sample stays selected
      fillSamples();
    }
    $("envelope-origin").textContent = "your own envelope (edited)";
  });
  $("upload").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    $("envelope").value = await file.text();
    state.sample = null;
    $("envelope-origin").textContent = `uploaded ${file.name}`;
    fillSamples();
  });
  $("run").addEventListener("click", run);
  $("run-all").addEventListener("click", runAll);
  $("save").addEventListener("click", save);
  $("download").addEventListener("click", download);
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); run(); }
    if ((e.ctrlKey || e.metaKey) && e.key === "s" && state.session.can_save) { e.preventDefault(); save(); }
  });
  document.body.dataset.ready = "true";
}

window.addEventListener("DOMContentLoaded", () => {
  start().catch((e) => message(`the playground did not start: ${e.message}`));
});
