// Rasch's dashboard, the pages of one job: the graph drawn as a DAG with live figures per
// vertex, a vertex's subtasks, checkpoints with the savepoint / stop / cancel actions,
// exceptions with their cause chains, and the configuration.
"use strict";

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
      table(["Name", "Status", "Parallelism", "Records In", "Records Out", "Bytes In", "Bytes Out", "In/s", "Out/s", "Busy (max)", "Back-pressured (max)"],
        job.vertices.map((v) => { const s = stats[v.id] || {}; return [v.name, stateTag(v.status), v.parallelism, num(v.metrics["read-records"]), num(v.metrics["write-records"]), bytes(v.metrics["read-bytes"]), bytes(v.metrics["write-bytes"]), rate(s.inRate), rate(s.outRate), pct(s.busy), pct(s.backpressured)]; }),
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
    table(["Subtask", "Status", "TaskManager", "Endpoint", "Records In", "Records Out", "Bytes In", "Bytes Out", "In/s", "Out/s", "Busy", "Back-pressured", "Idle", "Watermark", "Attempt"],
      v.subtasks.map((s) => {
        const b = bp.subtasks.find((x) => x.subtask === s.subtask) || {};
        const r = (x) => (x === undefined ? "-" : `${Math.round(x * 100)}%`);
        return [s.subtask, stateTag(s.status), s["taskmanager-id"], s.endpoint, num(s.metrics["read-records"]), num(s.metrics["write-records"]),
          bytes(s.metrics["read-bytes"]), bytes(s.metrics["write-bytes"]), rate(metric(`${s.subtask}.numRecordsInPerSecond`)), rate(metric(`${s.subtask}.numRecordsOutPerSecond`)), r(b.busyRatio), r(b.ratio), r(b.idleRatio), watermark(marks[s.subtask]), s.attempt];
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

