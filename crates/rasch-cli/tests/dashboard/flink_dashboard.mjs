// Flink 1.20.3's own web dashboard (the static files of flink-dist's `web/`) served next to a
// Rasch cluster's REST API, driven in headless Chromium through its pages. Exits non-zero when
// any REST call answers 4xx/5xx or a page does not show what it should.
// Environment: WEB_DIR, REST_URL, JOB_ID (a running job with checkpoints), VERTEX_ID (one of
// its vertices), TM_ID,
// SCREENSHOTS (directory), PROFILE (fresh browser profile dir), PLAYWRIGHT_MODULES.
import fs from 'node:fs';
import path from 'node:path';
import { assertNoErrors, launch, recordApiCalls, staticAndProxy } from './browser.mjs';

const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} is not set`); return v; };
const [webDir, rest, job, vertex, tm, shots] = ['WEB_DIR', 'REST_URL', 'JOB_ID', 'VERTEX_ID', 'TM_ID', 'SCREENSHOTS'].map(env);
fs.mkdirSync(shots, { recursive: true });
const { server, url } = await staticAndProxy(path.resolve(webDir), rest);
const context = await launch(env('PROFILE'));
const api = recordApiCalls(context, (u) => u.origin === url && !fs.existsSync(path.join(webDir, u.pathname)) && u.pathname !== '/');
const page = await context.newPage();
page.setDefaultTimeout(20000);

// Every call but the profiler list's 404, which is how Flink itself answers with profiling off.
function unexpected(calls) {
  return calls.filter((c) => !(c.status === 404 && /\/(jobmanager|taskmanagers\/[^/]+)\/profiler$/.test(c.url.split("?")[0])));
}

async function visit(name, hash, expectText) {
  api.at(name);
  await page.goto(`${url}/#${hash}`);
  await page.waitForLoadState('networkidle');
  if (expectText) await page.getByText(expectText, { exact: false }).first().waitFor();
  await page.waitForTimeout(1500); // a refresh cycle of the dashboard
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  console.log(`visited ${name}`);
}

try {
  await visit('overview', '/overview', 'Available Task Slots');
  await visit('running-jobs', '/job/running', 'Rolling sums');
  await visit('job-graph', `/job/running/${job}/overview`, 'Rolling sum');
  // The vertices' back-pressure, busy time and data skew come from the subtask metrics.
  await page.waitForFunction(() => /Busy \(max\): \d+%/.test(document.body.innerText) && /Data Skew: \d+%/.test(document.body.innerText));
  await page.screenshot({ path: path.join(shots, 'job-graph.png'), fullPage: true });
  // A vertex: its detail, subtasks, TaskManagers, watermarks, accumulators, back-pressure,
  // metrics and flame graph tabs.
  for (const tab of ['detail', 'subtasks', 'taskmanagers', 'watermarks', 'accumulators', 'backpressure', 'metrics', 'flamegraph']) {
    await visit(`vertex-${tab}`, `/job/running/${job}/overview/${vertex}/${tab}`);
  }
  await visit('exceptions', `/job/running/${job}/exceptions`);
  await visit('data-skew', `/job/running/${job}/dataskew`);
  await visit('timeline', `/job/running/${job}/timeline`);
  await visit('checkpoints', `/job/running/${job}/checkpoints`, 'Checkpoint Counts');
  await visit('job-configuration', `/job/running/${job}/configuration`);
  await visit('completed-jobs', '/job/completed');
  await visit('task-managers', '/task-manager', tm);
  await visit('task-manager', `/task-manager/${encodeURIComponent(tm)}/metrics`);
  await visit('job-manager', '/job-manager/metrics');
  await visit('job-manager-config', '/job-manager/config', 'rest.port');
  for (const tab of ['logs', 'stdout', 'log-list']) {
    await visit(`job-manager-${tab}`, `/job-manager/${tab}`);
    await visit(`task-manager-${tab}`, `/task-manager/${encodeURIComponent(tm)}/${tab}`);
  }
  await visit('job-manager-thread-dump', '/job-manager/thread-dump', 'Id=');
  await visit('task-manager-thread-dump', `/task-manager/${encodeURIComponent(tm)}/thread-dump`, '(process worker');
  // Profiling is off, as in Flink by default (`rest.profiling.enabled: false`): like Flink,
  // Rasch has no profiler endpoint, and the dashboard says how to turn it on.
  await visit('job-manager-profiler', '/job-manager/profiler', 'rest.profiling.enabled');
  await visit('task-manager-profiler', `/task-manager/${encodeURIComponent(tm)}/profiler`, 'rest.profiling.enabled');
  await visit('submit', '/submit');
} catch (e) {
  await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`FAILED: ${e.stack || e}`);
  assertNoErrors(unexpected(api.calls));
  process.exit(1);
} finally {
  await context.close();
  server.close();
}
assertNoErrors(unexpected(api.calls));
console.log('OK');
