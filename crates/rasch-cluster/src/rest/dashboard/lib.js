// Rasch's dashboard, shared helpers: the page state, DOM and SVG builders, REST calls,
// formatting, tables, tabs and action messages. Loaded first; job.js and app.js use it.
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

