// Rasch's dashboard: a single page over the REST API of the JobManager that serves it. Pages are
// hash routes; the current page re-renders from fresh REST answers every `refresh-interval`
// ms (`web.refresh-interval`). Submission and cancellation follow `web.submit.enable` and
// `web.cancel.enable` (the `features` of `/config`). No external assets: it works offline.
"use strict";
// This file: the cluster pages, routing and refresh (helpers in lib.js, job pages in job.js).

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
