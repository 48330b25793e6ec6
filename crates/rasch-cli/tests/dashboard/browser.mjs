// Shared by the dashboard tests: headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core, found through PLAYWRIGHT_MODULES), a recorder of every REST answer a page
// gets, and (for Flink's dashboard) a server of static files that proxies everything else to
// Rasch's REST port, as Flink's own JobManager serves both on one port.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const modules = process.env.PLAYWRIGHT_MODULES;
if (!modules) throw new Error('PLAYWRIGHT_MODULES (the node_modules holding playwright-core) is not set');
const { chromium } = createRequire(path.join(modules, 'noop.js'))('playwright-core');

/** A fresh headless Chromium with its own profile directory. */
export async function launch(userDataDir) {
  fs.rmSync(userDataDir, { recursive: true, force: true });
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Records every answer to a request for which `isApi(url)` holds: {url, status, page}. */
export function recordApiCalls(context, isApi) {
  const calls = [];
  let current = 'start';
  context.on('response', (r) => {
    const url = new URL(r.url());
    if (isApi(url)) calls.push({ page: current, status: r.status(), url: url.pathname + url.search });
  });
  return { calls, at(name) { current = name; } };
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.json': 'application/json', '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.txt': 'text/plain' };

/** Serves `webDir`'s files; every other request is passed to `rest` (http://host:port). */
export function staticAndProxy(webDir, rest) {
  const target = new URL(rest);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const file = path.join(webDir, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname));
    if (file.startsWith(webDir) && fs.existsSync(file) && fs.statSync(file).isFile()) {
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

/** Fails the test with everything it saw when any call answered 4xx/5xx. */
export function assertNoErrors(calls) {
  const bad = calls.filter((c) => c.status >= 400);
  const lines = calls.map((c) => `${c.status} ${c.url} (on ${c.page})`);
  console.log(`REST calls (${calls.length}):\n${lines.join('\n')}`);
  if (bad.length) {
    console.error(`FAILED: ${bad.length} REST call(s) answered 4xx/5xx:\n${bad.map((c) => `${c.status} ${c.url} (on ${c.page})`).join('\n')}`);
    process.exit(1);
  }
}
