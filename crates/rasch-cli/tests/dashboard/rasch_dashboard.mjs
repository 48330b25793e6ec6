// Rasch's own dashboard (served by the JobManager at `/`) clicked through in headless Chromium
// against a real cluster: overview, running and completed jobs, the job graph with live
// figures, a vertex's subtasks, checkpoints and a savepoint, exceptions with their cause chain,
// configuration, TaskManagers with metrics and log, the JobManager's configuration, metrics and
// log, submitting a job by uploading its binary, cancelling it, and stopping a job with a
// savepoint. Exits non-zero on a failed expectation or a REST call answering 4xx/5xx.
// Environment: BASE (http://127.0.0.1:PORT/), JOB_ID (running, with checkpoints), FAILED_JOB_ID,
// BINARY (the job binary to upload), OUTPUT (for the submitted job), SAVEPOINTS, SCREENSHOTS,
// PROFILE, PLAYWRIGHT_MODULES. Prints `savepoint: <path>` and `stopped: <path>` lines.
import fs from 'node:fs';
import path from 'node:path';
import { assertNoErrors, launch, recordApiCalls } from './browser.mjs';

const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} is not set`); return v; };
const [base, job, failed, binary, output, savepoints, shots] = ['BASE', 'JOB_ID', 'FAILED_JOB_ID', 'BINARY', 'OUTPUT', 'SAVEPOINTS', 'SCREENSHOTS'].map(env);
fs.mkdirSync(shots, { recursive: true });
const origin = new URL(base).origin;
const context = await launch(env('PROFILE'));
const api = recordApiCalls(context, (u) => u.origin === origin && !['/', '/index.html'].includes(u.pathname) && !u.pathname.startsWith('/dashboard/'));
const page = await context.newPage();
page.setDefaultTimeout(30000);
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));

async function shot(name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  console.log(`page ${name}`);
}
const text = async (selector) => ((await page.locator(selector).first().textContent()) || '').trim();
async function expect(what, fn) {
  try { await page.waitForFunction(fn, undefined, { timeout: 30000 }); } catch (e) { throw new Error(`${what}: ${e.message}`); }
}
const click = async (selector) => page.locator(selector).first().click();
const nav = async (name) => page.locator('nav a', { hasText: name }).first().click();

try {
  api.at('overview');
  await page.goto(base);
  await expect('2 TaskManagers on the overview', () => document.querySelector('#card-tms b')?.textContent === '2');
  await page.getByText(job).first().waitFor();
  await shot('overview');

  api.at('running jobs');
  await nav('Running Jobs');
  await page.locator('tr.link', { hasText: job }).click();
  await expect('the job graph with two vertices and live figures', () => document.querySelectorAll('g.vertex').length === 2
    && /Busy: \d+%/.test(document.querySelector('svg.dag').textContent));
  // Live refresh: the sink's record count grows without a reload.
  const sink = 'g.vertex:nth-of-type(2) .line-1';
  const records = async () => +(await text(sink)).match(/Records in: ([\d,]+)/)[1].replace(/,/g, '');
  const before = await records();
  await page.waitForTimeout(2500);
  const after = await records();
  if (!(after > before)) throw new Error(`the job graph did not refresh: records in ${before} then ${after}`);
  await shot('job-graph');

  api.at('vertex');
  await page.locator('g.vertex').nth(1).click();
  await page.locator('#vertex-detail').waitFor();
  await expect('two subtasks of the sink', () => document.querySelectorAll('#vertex-detail ~ table tbody tr').length === 2);
  await expect('bytes in per subtask of the sink', () => {
    const t = document.querySelector('#vertex-detail ~ table');
    const i = [...t.querySelectorAll('th')].map((h) => h.textContent).indexOf('Bytes In');
    return i >= 0 && [...t.querySelectorAll('tbody tr')].every((r) => /^\d+(\.\d)? (B|KiB|MiB|GiB)$/.test(r.cells[i]?.textContent || ''));
  });
  await shot('vertex');

  api.at('checkpoints');
  await page.locator('.tabs a[data-tab=checkpoints]').click();
  await expect('a completed checkpoint in the history', () => [...document.querySelectorAll('td .state')].some((s) => s.textContent === 'COMPLETED'));
  await page.fill('#savepoint-dir', savepoints);
  await click('#trigger-savepoint');
  await expect('the savepoint to complete', () => /Savepoint completed: /.test(document.getElementById('action-msg')?.textContent || ''));
  console.log(`savepoint: ${(await text('#action-msg')).replace('Savepoint completed: ', '')}`);
  await shot('checkpoints');

  api.at('configuration');
  await page.locator('.tabs a[data-tab=configuration]').click();
  await page.getByText('Execution Mode').waitFor();
  await shot('job-configuration');

  api.at('exceptions');
  await nav('Completed Jobs');
  await page.locator('tr.link', { hasText: failed }).click();
  await page.locator('.tabs a[data-tab=exceptions]').click();
  await expect('the cause chain of the failure', () => /Caused by: panicked: record 1234 is poison/.test(document.querySelector('ol.causes')?.textContent || ''));
  await shot('exceptions');

  api.at('task managers');
  await nav('Task Managers');
  await expect('two TaskManagers', () => document.querySelectorAll('tr.link').length === 2);
  await shot('task-managers');
  await page.locator('tr.link').first().click();
  await page.getByText('taskSlotsTotal').waitFor();
  // Its memory: the resident memory of the TaskManager and its workers, in MiB.
  await expect('the TaskManager\'s resident memory', () => [...document.querySelectorAll('tr')]
    .some((r) => r.cells[0]?.textContent === 'Status.Rasch.Memory.RSS' && / MiB$/.test(r.cells[1]?.textContent || '')));
  await shot('task-manager');
  await page.locator('.tabs a[data-tab=log]').click();
  await expect('the TaskManager log', () => (document.getElementById('log')?.textContent || '').includes('registered'));
  await shot('task-manager-log');

  api.at('job manager');
  await nav('Job Manager');
  await page.getByRole('cell', { name: 'rest.port', exact: true }).waitFor();
  await shot('job-manager');
  await page.locator('.tabs a[data-tab=metrics]').click();
  await page.getByRole('cell', { name: 'numRegisteredTaskManagers', exact: true }).waitFor();
  await page.locator('.tabs a[data-tab=log]').click();
  await expect('the JobManager log', () => (document.getElementById('log')?.textContent || '').includes('submitted'));
  await shot('job-manager-log');

  api.at('submit');
  await nav('Submit New Job');
  await page.setInputFiles('#jar-file', binary);
  await click('#upload');
  await expect('the upload to finish', () => /Uploaded /.test(document.getElementById('action-msg')?.textContent || ''));
  const jar = page.locator('.jar', { hasText: path.basename(binary) }).first();
  await jar.locator('.args').fill(`--output ${output} --count 100000000 --keys 5 --rate 1000`);
  await jar.locator('.parallelism').fill('1');
  await shot('submit');
  await jar.locator('.run').click();
  await page.waitForURL(/#\/job\/[0-9a-f]{32}$/);
  const submitted = page.url().split('/').pop();
  console.log(`submitted: ${submitted}`);
  await expect('the submitted job to run', () => document.querySelector('h1 .state')?.textContent === 'RUNNING');
  api.at('cancel');
  await click('#cancel-job');
  await expect('the submitted job to be canceled', () => document.querySelector('h1 .state')?.textContent === 'CANCELED');
  await shot('canceled');

  api.at('stop');
  await page.goto(`${base}#/job/${job}`);
  await page.fill('#savepoint-dir', savepoints);
  await click('#stop-job');
  await expect('the job to stop with a savepoint', () => /Savepoint completed: /.test(document.getElementById('action-msg')?.textContent || '')
    && document.querySelector('h1 .state')?.textContent === 'FINISHED');
  console.log(`stopped: ${(await text('#action-msg')).replace('Savepoint completed: ', '')}`);
  await shot('stopped');
} catch (e) {
  await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`FAILED: ${e.stack || e}`);
  assertNoErrors(api.calls);
  process.exit(1);
} finally {
  await context.close();
}
if (errors.length) {
  console.error(`FAILED: script errors on the page:\n${errors.join('\n')}`);
  process.exit(1);
}
assertNoErrors(api.calls);
console.log('OK');
