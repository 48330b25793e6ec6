// Rasch's dashboard under `web.cancel.enable: false` (NO_CANCEL, with the running job JOB_ID)
// and `web.submit.enable: false` (NO_SUBMIT): the buttons and the page they switch off are gone.
import fs from 'node:fs';
import path from 'node:path';
import { launch } from './browser.mjs';

const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} is not set`); return v; };
const shots = env('SCREENSHOTS');
fs.mkdirSync(shots, { recursive: true });
const context = await launch(env('PROFILE'));
const page = await context.newPage();
page.setDefaultTimeout(30000);
try {
  await page.goto(`${env('NO_CANCEL')}#/job/${env('JOB_ID')}`);
  await page.locator('#trigger-savepoint').waitFor();
  for (const id of ['#cancel-job', '#stop-job']) {
    if (await page.locator(id).count()) throw new Error(`${id} is shown although web.cancel.enable is false`);
  }
  await page.screenshot({ path: path.join(shots, 'no-cancel.png'), fullPage: true });
  await page.goto(`${env('NO_SUBMIT')}#/submit`);
  await page.locator('#submit-disabled').waitFor();
  if (await page.locator('#nav-submit').isVisible()) throw new Error('the submit link is shown although web.submit.enable is false');
  if (await page.locator('#jar-file').count()) throw new Error('the upload form is shown although web.submit.enable is false');
  await page.screenshot({ path: path.join(shots, 'no-submit.png'), fullPage: true });
} catch (e) {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
} finally {
  await context.close();
}
console.log('OK');
