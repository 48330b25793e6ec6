// Rasch's dashboard: a single page over the REST API of the JobManager that serves it. Pages are
// hash routes; the current page re-renders from fresh REST answers every `refresh-interval`
// ms (`web.refresh-interval`). Submission and cancellation follow `web.submit.enable` and
// `web.cancel.enable` (the `features` of `/config`). No external assets: it works offline.
"use strict";

const state = { config: { "refresh-interval": 3000, features: { "web-submit": false, "web-cancel": false } }, timer: null, busy: false };

// ------------------------------------------------------------------ helpers

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function api(path, options) {
  const r = await fetch(path, options);
  const text = await r.text();
  let body;
  try { body = text ? JSON.parse(text) : {}; } catch { body = text; }
  if (!r.ok) throw new Error((body && body.errors && body.errors.join("; ")) || `${r.status} ${path}`);
  return body;
}

async function apiText(path) {
  const r = await fetch(path);
  const text = await r.text();
  if (!r.ok) throw new Error(`${r.status} ${path}: ${text}`);
  return text;
}

const num = (n) => (n === undefined || n === null || Number.isNaN(+n) ? "-" : Math.round(+n).toLocaleString("en-US"));
const rate = (n) => (n === undefined || Number.isNaN(+n) ? "-" : (+n >= 100 ? Math.round(+n).toLocaleString("en-US") : (+n).toFixed(1)) + "/s");
const pct = (msPerSecond) => (msPerSecond === undefined || Number.isNaN(+msPerSecond) ? "-" : `${Math.round(+msPerSecond / 10)}%`);
const time = (ms) => (ms > 0 ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "-");
function duration(ms) {
  if (ms === undefined || ms < 0) return "-";
  if (ms < 1000) return `${ms} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
function bytes(n) {
  if (!(n >= 0)) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}
function watermark(w) {
  const v = +w;
  if (!Number.isFinite(v) || v <= -9.2e18) return "No Watermark";
  if (v >= 9.2e18) return "MAX";
  return time(v);
}
const stateTag = (s) => el("span", { class: `state ${s}` }, s);
const terminal = (s) => ["FINISHED", "FAILED", "CANCELED", "SUSPENDED"].includes(s);

function table(headers, rows, onclick) {
  return el("table", {},
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows.map((r, i) => el("tr", onclick ? { class: "link", onclick: () => onclick(i) } : {}, r.map((c) => el("td", {}, c))))));
}

function tabs(items, active) {
  return el("div", { class: "tabs" }, items.map(([key, label, href]) => el("a", { href, class: key === active ? "active" : "", "data-tab": key }, label)));
}

// The last action's outcome, shown until the page changes (refreshes keep it).
function message(text, ok) {
  state.msg = { text, ok };
  showMessage();
}

function showMessage() {
  const m = document.getElementById("action-msg");
  if (!m || !state.msg) return;
  const { text, ok } = state.msg;
  if (m) { m.textContent = text; m.className = ok ? "msg" : ""; m.style.color = ok ? "" : "#cf222e"; }
}

// Polls an asynchronous operation (savepoint, checkpoint) until it completes.
async function waitFor(path) {
  for (let i = 0; i < 600; i++) {
    const s = await api(path);
    if (s.status && s.status.id === "COMPLETED") {
      const op = s.operation || {};
      if (op["failure-cause"]) throw new Error(op["failure-cause"]["stack-trace"]);
      return op;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error("the operation did not complete in 3 minutes");
}

// ------------------------------------------------------------------ pages

async function overviewPage() {
  const [ov, jobs] = await Promise.all([api("overview"), api("jobs/overview")]);
  const running = jobs.jobs.filter((j) => !terminal(j.state));
  const done = jobs.jobs.filter((j) => terminal(j.state));
  return [
    el("h1", {}, "Overview"),
    el("div", { class: "cards" },
      [["Task Managers", ov.taskmanagers, "tms"], ["Total Task Slots", ov["slots-total"], "slots-total"], ["Available Task Slots", ov["slots-available"], "slots-available"],
        ["Running Jobs", ov["jobs-running"], "jobs-running"], ["Finished", ov["jobs-finished"], "jobs-finished"], ["Canceled", ov["jobs-cancelled"], "jobs-cancelled"], ["Failed", ov["jobs-failed"], "jobs-failed"]]
        .map(([label, v, id]) => el("div", { class: "card", id: `card-${id}` }, label, el("b", {}, v)))),
    el("h2", {}, "Running Jobs"), jobTable(running),
    el("h2", {}, "Completed Jobs"), jobTable(done),
  ];
}

function jobTable(jobs) {
  jobs.sort((a, b) => b["start-time"] - a["start-time"]);
  if (!jobs.length) return el("p", { class: "muted" }, "No jobs.");
  return table(["Job Name", "Start Time", "Duration", "End Time", "Tasks", "Status", "Job ID"],
    jobs.map((j) => [j.name, time(j["start-time"]), duration(j.duration), time(j["end-time"]), `${j.tasks.running}/${j.tasks.total} running`, stateTag(j.state), j.jid]),
    (i) => { location.hash = `#/job/${jobs[i].jid}`; });
}

async function jobsPage(which) {
  const jobs = (await api("jobs/overview")).jobs.filter((j) => (which === "running") !== terminal(j.state));
  return [el("h1", {}, which === "running" ? "Running Jobs" : "Completed Jobs"), jobTable(jobs)];
}

// Longest-path layers of the plan: sources left, each vertex right of all its inputs.
function layout(nodes) {
  const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
  const level = {};
  const depth = (n, seen = new Set()) => {
    if (level[n.id] !== undefined) return level[n.id];
    if (seen.has(n.id)) return 0;
    seen.add(n.id);
    const ins = (n.inputs || []).map((i) => byId[i.id]).filter(Boolean);
    level[n.id] = ins.length ? 1 + Math.max(...ins.map((i) => depth(i, seen))) : 0;
    return level[n.id];
  };
  nodes.forEach((n) => depth(n));
  const rows = {};
  const pos = {};
  for (const n of nodes) {
    const l = level[n.id];
    rows[l] = (rows[l] || 0) + 1;
    pos[n.id] = { x: 20 + l * 300, y: 20 + (rows[l] - 1) * 170 };
  }
  return { pos, width: 40 + (Math.max(0, ...Object.values(level)) + 1) * 300, height: 40 + Math.max(...Object.values(rows)) * 170 };
}

function color(busy, backpressured) {
  // Idle blue, busy red, back-pressured grey-purple, like Flink's graph.
  if (backpressured > 500) return "#b7a3d6";
  const b = Math.min(Math.max(busy || 0, 0), 1000) / 1000;
  const mix = (a, c) => Math.round(a + (c - a) * b);
  return `rgb(${mix(175, 245)},${mix(210, 120)},${mix(255, 110)})`;
}

function dag(job, stats, selected) {
  const nodes = (job.plan && job.plan.nodes) || [];
  const { pos, width, height } = layout(nodes);
  const W = 240, H = 138;
  const edges = [];
  for (const n of nodes) {
    for (const i of n.inputs || []) {
      const a = pos[i.id], b = pos[n.id];
      if (!a || !b) continue;
      const [x1, y1, x2, y2] = [a.x + W, a.y + H / 2, b.x - 4, b.y + H / 2];
      edges.push(svg("path", { class: "edge", d: `M${x1},${y1} C${x1 + 40},${y1} ${x2 - 40},${y2} ${x2},${y2}` }));
      edges.push(svg("text", { x: (x1 + x2) / 2 - 18, y: (y1 + y2) / 2 - 6 }, i.ship_strategy || ""));
    }
  }
  const vertices = nodes.map((n) => {
    const v = job.vertices.find((x) => x.id === n.id) || { metrics: {} };
    const s = stats[n.id] || {};
    const p = pos[n.id];
    const lines = [
      `Parallelism: ${n.parallelism}`,
      `Records in: ${num(v.metrics["read-records"])}  (${rate(s.inRate)})`,
      `Records out: ${num(v.metrics["write-records"])}  (${rate(s.outRate)})`,
      `Busy: ${pct(s.busy)}  Back-pressured: ${pct(s.backpressured)}  Idle: ${pct(s.idle)}`,
      `Low watermark: ${watermark(s.watermark)}`,
    ];
    return svg("g", { class: `vertex${n.id === selected ? " selected" : ""}`, "data-vertex": n.id, transform: `translate(${p.x},${p.y})`,
      onclick: () => { location.hash = `#/job/${job.jid}/vertex/${n.id}`; } },
    svg("rect", { width: W, height: H, rx: 6, fill: color(s.busy, s.backpressured) }),
    svg("text", { class: "title", x: 10, y: 20 }, (v.name || n.description || "").slice(0, 36)),
    lines.map((t, k) => svg("text", { x: 10, y: 44 + k * 19, class: `line-${k}` }, t)));
  });
  return svg("svg", { class: "dag", width, height, viewBox: `0 0 ${width} ${height}` },
    svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" }, svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#57606a" }))),
    edges, vertices);
}

async function vertexStats(jid, vertices) {
  const names = "busyTimeMsPerSecond,backPressuredTimeMsPerSecond,idleTimeMsPerSecond,numRecordsInPerSecond,numRecordsOutPerSecond";
  const out = {};
  await Promise.all(vertices.map(async (v) => {
    const [m, w] = await Promise.all([api(`jobs/${jid}/vertices/${v.id}/subtasks/metrics?get=${names}&agg=max,sum`), api(`jobs/${jid}/vertices/${v.id}/watermarks`)]);
    const get = (id, agg) => { const e = m.find((x) => x.id === id); return e ? e[agg] : undefined; };
    const marks = w.map((x) => +x.value);
    out[v.id] = {
      busy: get("busyTimeMsPerSecond", "max"), backpressured: get("backPressuredTimeMsPerSecond", "max"), idle: get("idleTimeMsPerSecond", "max"),
      inRate: get("numRecordsInPerSecond", "sum"), outRate: get("numRecordsOutPerSecond", "sum"), watermark: marks.length ? Math.min(...marks) : undefined,
    };
  }));
  return out;
}

function jobHeader(job, tab) {
  const running = !terminal(job.state);
  const cancel = state.config.features["web-cancel"] && running;
  return [
    el("h1", {}, job.name, " ", stateTag(job.state)),
    table(["Job ID", "Start Time", "Duration", "End Time"], [[job.jid, time(job["start-time"]), duration(job.duration), time(job["end-time"])]]),
    running ? el("div", { class: "actions" },
      el("input", { type: "text", id: "savepoint-dir", placeholder: "savepoint directory (default: execution.checkpointing.savepoint-dir)", size: 50 }),
      el("button", { id: "trigger-savepoint", onclick: () => savepoint(job.jid, false) }, "Trigger Savepoint"),
      cancel ? el("button", { id: "stop-job", class: "danger", onclick: () => savepoint(job.jid, true) }, "Stop with Savepoint") : null,
      cancel ? el("button", { id: "cancel-job", class: "danger", onclick: () => cancelJob(job.jid) }, "Cancel Job") : null) : null,
    el("p", { id: "action-msg" }),
    tabs([["overview", "Overview", `#/job/${job.jid}`], ["checkpoints", "Checkpoints", `#/job/${job.jid}/checkpoints`],
      ["exceptions", "Exceptions", `#/job/${job.jid}/exceptions`], ["configuration", "Configuration", `#/job/${job.jid}/configuration`]], tab),
  ];
}

async function savepoint(jid, stop) {
  const dir = document.getElementById("savepoint-dir").value.trim() || undefined;
  message(stop ? "Stopping with a savepoint…" : "Triggering a savepoint…", true);
  state.busy = true;
  try {
    const body = stop ? { targetDirectory: dir, drain: false } : { "target-directory": dir, "cancel-job": false };
    const t = await api(`jobs/${jid}/${stop ? "stop" : "savepoints"}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const op = await waitFor(`jobs/${jid}/savepoints/${t["request-id"]}`);
    state.busy = false;
    await render();
    message(`Savepoint completed: ${op.location}`, true);
  } catch (e) {
    state.busy = false;
    message(`Savepoint failed: ${e.message}`, false);
  }
}

async function cancelJob(jid) {
  try {
    await api(`jobs/${jid}?mode=cancel`, { method: "PATCH" });
    await render();
    message("Cancellation requested.", true);
  } catch (e) {
    message(`Cancel failed: ${e.message}`, false);
  }
}

async function jobPage(jid, tab, vid) {
  const job = await api(`jobs/${jid}`);
  const head = jobHeader(job, tab === "vertex" ? "overview" : tab);
  if (tab === "overview" || tab === "vertex") {
    const stats = await vertexStats(jid, job.vertices);
    const parts = [...head, dag(job, stats, vid),
      table(["Name", "Status", "Parallelism", "Records In", "Records Out", "In/s", "Out/s", "Busy (max)", "Back-pressured (max)"],
        job.vertices.map((v) => { const s = stats[v.id] || {}; return [v.name, stateTag(v.status), v.parallelism, num(v.metrics["read-records"]), num(v.metrics["write-records"]), rate(s.inRate), rate(s.outRate), pct(s.busy), pct(s.backpressured)]; }),
        (i) => { location.hash = `#/job/${jid}/vertex/${job.vertices[i].id}`; })];
    if (vid) parts.push(...(await vertexDetail(jid, vid)));
    return parts;
  }
  if (tab === "checkpoints") return [...head, ...(await checkpointsTab(jid))];
  if (tab === "exceptions") return [...head, ...(await exceptionsTab(jid))];
  const config = await api(`jobs/${jid}/config`);
  const user = Object.entries(config["execution-config"]["user-config"] || {});
  return [...head, table(["Execution Mode", "Restart Strategy", "Job Parallelism", "Object Reuse"],
    [[config["execution-config"]["execution-mode"], config["execution-config"]["restart-strategy"], config["execution-config"]["job-parallelism"], String(config["execution-config"]["object-reuse-mode"])]]),
  el("h2", {}, "Job Configuration"), user.length ? table(["Key", "Value"], user) : el("p", { class: "muted" }, "No job configuration.")];
}

async function vertexDetail(jid, vid) {
  const [v, bp, wm, m] = await Promise.all([api(`jobs/${jid}/vertices/${vid}`), api(`jobs/${jid}/vertices/${vid}/backpressure`),
    api(`jobs/${jid}/vertices/${vid}/watermarks`), api(`jobs/${jid}/vertices/${vid}/metrics?get=${[...Array(256).keys()].flatMap((i) => [`${i}.numRecordsInPerSecond`, `${i}.numRecordsOutPerSecond`]).join(",")}`)]);
  const metric = (k) => { const e = m.find((x) => x.id === k); return e ? +e.value : undefined; };
  const marks = Object.fromEntries(wm.map((w) => [w.id.split(".")[0], w.value]));
  return [el("h2", { id: "vertex-detail" }, `Subtasks of ${v.name}`),
    el("p", {}, "Back-pressure: ", el("b", {}, bp["backpressure-level"])),
    table(["Subtask", "Status", "TaskManager", "Endpoint", "Records In", "Records Out", "In/s", "Out/s", "Busy", "Back-pressured", "Idle", "Watermark", "Attempt"],
      v.subtasks.map((s) => {
        const b = bp.subtasks.find((x) => x.subtask === s.subtask) || {};
        const r = (x) => (x === undefined ? "-" : `${Math.round(x * 100)}%`);
        return [s.subtask, stateTag(s.status), s["taskmanager-id"], s.endpoint, num(s.metrics["read-records"]), num(s.metrics["write-records"]),
          rate(metric(`${s.subtask}.numRecordsInPerSecond`)), rate(metric(`${s.subtask}.numRecordsOutPerSecond`)), r(b.busyRatio), r(b.ratio), r(b.idleRatio), watermark(marks[s.subtask]), s.attempt];
      }))];
}

async function checkpointsTab(jid) {
  const [cp, config] = await Promise.all([api(`jobs/${jid}/checkpoints`), api(`jobs/${jid}/checkpoints/config`)]);
  const c = cp.counts;
  const s = cp.summary;
  const alignment = (h) => Math.max(0, ...Object.values(h.tasks || {}).map((t) => t.alignment_duration || 0));
  return [
    el("div", { class: "cards" }, [["Triggered", c.total], ["In Progress", c.in_progress], ["Completed", c.completed], ["Failed", c.failed], ["Restored", c.restored]]
      .map(([label, v]) => el("div", { class: "card" }, label, el("b", {}, v)))),
    el("h2", {}, "Summary (completed checkpoints)"),
    table(["", "End to End Duration", "Checkpointed Size", "Full Size"],
      ["min", "avg", "max"].map((k) => [k, duration(s.end_to_end_duration[k]), bytes(s.checkpointed_size[k]), bytes(s.state_size[k])])),
    el("h2", {}, "History (latest 10)"),
    cp.history.length ? table(["ID", "Status", "Type", "Trigger Time", "Acknowledged", "End to End Duration", "Checkpointed Size", "Full Size", "Alignment (max)", "Path"],
      cp.history.slice(0, 10).map((h) => [h.id, stateTag(h.status), h.checkpoint_type, time(h.trigger_timestamp), `${h.num_acknowledged_subtasks}/${h.num_subtasks}`,
        duration(h.end_to_end_duration), bytes(h.checkpointed_size), bytes(h.state_size), duration(alignment(h)), h.external_path || h.failure_message || ""])) : el("p", { class: "muted", id: "no-checkpoints" }, "No checkpoints yet."),
    el("h2", {}, "Configuration"),
    table(["Mode", "Interval", "Timeout", "Min Pause", "State Backend", "Checkpoint Storage"],
      [[config.mode, config.interval >= 9e18 ? "disabled" : duration(config.interval), duration(config.timeout), duration(config.min_pause), config.state_backend, config.checkpoint_storage]]),
  ];
}

async function exceptionsTab(jid) {
  const ex = await api(`jobs/${jid}/exceptions?maxExceptions=20`);
  const entries = ex.exceptionHistory.entries;
  if (!entries.length) return [el("p", { class: "muted" }, "No exceptions.")];
  return entries.map((e) => el("div", { class: "exception" },
    el("h2", {}, `${time(e.timestamp)} · ${e.exceptionName}${e.errorKind ? ` (${e.errorKind})` : ""}`),
    e.location ? el("p", { class: "muted" }, e.location) : null,
    e.causes && e.causes.length ? el("ol", { class: "causes" }, e.causes.map((c, i) => el("li", {}, i ? `Caused by: ${c}` : c))) : el("pre", {}, e.stacktrace)));
}

async function taskmanagersPage() {
  const tms = (await api("taskmanagers")).taskmanagers;
  return [el("h1", {}, "Task Managers"),
    tms.length ? table(["ID", "Path", "Slots", "Free Slots", "CPU Cores", "Physical Memory", "Available Memory", "Last Heartbeat"],
      tms.map((t) => [t.id, t.path, t.slotsNumber, t.freeSlots, t.hardware.cpuCores, t.hardware.physicalMemory ? bytes(t.hardware.physicalMemory) : "-",
        t.hardware.freeMemory ? bytes(t.hardware.freeMemory) : "-", `${duration(t.timeSinceLastHeartbeat)} ago`]),
      (i) => { location.hash = `#/taskmanager/${encodeURIComponent(tms[i].id)}`; }) : el("p", { class: "muted" }, "No TaskManagers registered.")];
}

async function taskmanagerPage(id, tab) {
  const enc = encodeURIComponent(id);
  const t = await api(`taskmanagers/${enc}`);
  const head = [el("h1", {}, `Task Manager ${t.id}`),
    tabs([["metrics", "Metrics", `#/taskmanager/${enc}`], ["log", "Log", `#/taskmanager/${enc}/log`]], tab)];
  if (tab === "log") {
    let log;
    try { log = await apiText(`taskmanagers/${enc}/log`); } catch (e) { log = e.message; }
    return [...head, el("pre", { id: "log" }, log)];
  }
  const metrics = await api(`taskmanagers/${enc}/metrics?get=Status.Rasch.Memory.RSS,System.Memory.Total,System.Memory.Available,taskSlotsTotal,taskSlotsAvailable,timeSinceLastHeartbeat`);
  const shown = (m) => (m.id.includes("Memory") ? bytes(+m.value) : m.value);
  return [...head,
    table(["Path", "Slots", "Free Slots", "CPU Cores"], [[t.path, t.slotsNumber, t.freeSlots, t.hardware.cpuCores]]),
    el("h2", {}, "Metrics"), table(["Metric", "Value"], metrics.map((m) => [m.id, shown(m)])),
    el("h2", {}, "Allocated Slots"), t.allocatedSlots.length ? table(["Job ID"], t.allocatedSlots.map((s) => [s.jobId])) : el("p", { class: "muted" }, "No slots allocated.")];
}

async function jobmanagerPage(tab) {
  const head = [el("h1", {}, "Job Manager"),
    tabs([["config", "Configuration", "#/jobmanager"], ["metrics", "Metrics", "#/jobmanager/metrics"], ["log", "Log", "#/jobmanager/log"]], tab)];
  if (tab === "log") {
    let log;
    try { log = await apiText("jobmanager/log"); } catch (e) { log = e.message; }
    return [...head, el("pre", { id: "log" }, log)];
  }
  if (tab === "metrics") {
    const names = (await api("jobmanager/metrics")).map((m) => m.id).join(",");
    const values = await api(`jobmanager/metrics?get=${names}`);
    const env = await api("jobmanager/environment");
    return [...head, table(["Metric", "Value"], values.map((m) => [m.id, m.value])),
      el("h2", {}, "Environment"), table(["Runtime", "Architecture"], [[env.jvm.version, env.jvm.arch]])];
  }
  const config = await api("jobmanager/config");
  config.sort((a, b) => a.key.localeCompare(b.key));
  return [...head, table(["Key", "Value"], config.map((c) => [c.key, c.value]))];
}

async function submitPage() {
  if (!state.config.features["web-submit"]) {
    return [el("h1", {}, "Submit New Job"), el("p", { id: "submit-disabled" }, "Job submission is disabled on this cluster (web.submit.enable: false).")];
  }
  const jars = await api("jars");
  return [el("h1", {}, "Submit New Job"),
    el("div", { class: "actions" },
      el("input", { type: "file", id: "jar-file" }),
      el("button", { id: "upload", onclick: upload }, "Upload")),
    el("p", { id: "action-msg" }),
    el("h2", {}, "Uploaded Job Binaries"),
    jars.files.length ? el("div", {}, jars.files.map((f) => el("div", { class: "jar", "data-jar": f.id },
      el("p", {}, el("b", {}, f.name), " ", el("span", { class: "muted" }, `${f.id.slice(0, 12)}… uploaded ${time(f.uploaded)}`)),
      el("div", { class: "actions" },
        el("input", { type: "text", class: "args", placeholder: "program arguments", size: 60 }),
        el("input", { type: "number", class: "parallelism", placeholder: "parallelism", min: 1 }),
        el("input", { type: "text", class: "savepoint", placeholder: "savepoint path (optional)", size: 30 }),
        el("button", { class: "run", onclick: (ev) => run(f.id, ev.target.closest(".jar")) }, "Submit"),
        el("button", { class: "danger", onclick: () => deleteJar(f.id) }, "Delete"))))) : el("p", { class: "muted" }, "No job binaries uploaded.")];
}

async function upload() {
  const file = document.getElementById("jar-file").files[0];
  if (!file) { message("Choose a job binary first.", false); return; }
  const form = new FormData();
  form.append("jarfile", file, file.name);
  message(`Uploading ${file.name}…`, true);
  state.busy = true;
  try {
    await api("jars/upload", { method: "POST", body: form });
    state.busy = false;
    await render();
    message(`Uploaded ${file.name}.`, true);
  } catch (e) {
    state.busy = false;
    message(`Upload failed: ${e.message}`, false);
  }
}

async function run(id, box) {
  const args = box.querySelector(".args").value.trim();
  const parallelism = box.querySelector(".parallelism").value;
  const savepointPath = box.querySelector(".savepoint").value.trim();
  const body = { programArgsList: args ? args.split(/\s+/) : [] };
  if (parallelism) body.parallelism = +parallelism;
  if (savepointPath) body.savepointPath = savepointPath;
  try {
    const r = await api(`jars/${id}/run`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    location.hash = `#/job/${r.jobid}`;
  } catch (e) {
    message(`Submission failed: ${e.message}`, false);
  }
}

async function deleteJar(id) {
  try { await api(`jars/${id}`, { method: "DELETE" }); await render(); } catch (e) { message(`Delete failed: ${e.message}`, false); }
}

// ------------------------------------------------------------------ routing and refresh

function route() {
  const parts = (location.hash.replace(/^#\/?/, "") || "overview").split("/").map(decodeURIComponent);
  switch (parts[0]) {
    case "jobs": return [parts[1] === "completed" ? "completed" : "running", () => jobsPage(parts[1] === "completed" ? "completed" : "running")];
    case "job": return ["job", () => jobPage(parts[1], parts[2] || "overview", parts[2] === "vertex" ? parts[3] : undefined)];
    case "taskmanagers": return ["taskmanagers", taskmanagersPage];
    case "taskmanager": return ["taskmanagers", () => taskmanagerPage(parts[1], parts[2] || "metrics")];
    case "jobmanager": return ["jobmanager", () => jobmanagerPage(parts[1] || "config")];
    case "submit": return ["submit", submitPage];
    default: return ["overview", overviewPage];
  }
}

let generation = 0;
async function render() {
  const [nav, page] = route();
  const mine = ++generation;
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.dataset.page === nav));
  try {
    const content = await page();
    if (mine !== generation) return;
    // Keep what the user typed in inputs across refreshes.
    const typed = Object.fromEntries([...document.querySelectorAll("#page input[type=text], #page input[type=number]")].map((i, k) => [i.id || k, i.value]));
    const target = document.getElementById("page");
    target.replaceChildren(...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
    [...target.querySelectorAll("input[type=text], input[type=number]")].forEach((i, k) => { const v = typed[i.id || k]; if (v) i.value = v; });
    showMessage();
    document.getElementById("err").textContent = "";
    document.getElementById("updated").textContent = new Date().toISOString().slice(11, 19);
  } catch (e) {
    if (mine === generation) document.getElementById("err").textContent = `Error: ${e.message}`;
  }
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    // The submit page and an operation in progress are not refreshed under the user's hands.
    if (!state.busy && route()[0] !== "submit") await render();
    schedule();
  }, state.config["refresh-interval"]);
}

async function start() {
  try { state.config = await api("config"); } catch (e) { document.getElementById("err").textContent = `Error: ${e.message}`; }
  document.getElementById("ver").textContent = state.config["flink-version"] || "";
  document.getElementById("interval").textContent = (state.config["refresh-interval"] / 1000).toString();
  document.getElementById("nav-submit").style.display = state.config.features["web-submit"] ? "" : "none";
  window.addEventListener("hashchange", () => { state.msg = null; render(); });
  await render();
  schedule();
}

start();
