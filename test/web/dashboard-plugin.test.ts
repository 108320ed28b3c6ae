/** Serving the built dashboard: the shell at every page path, hashed assets, and a clear page when not built. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { PAGE_PATHS, registerDashboard } from '../../src/web/dashboard.plugin.js';
import { defaultAssetsDir, packageRoot } from '../../src/web/plugins.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'clickpath-web-'));
  dirs.push(d);
  return d;
}

async function serverFor(assetsDir: string) {
  const app = Fastify({ logger: false });
  await registerDashboard(app, { assetsDir });
  await app.ready();
  return app;
}

test('without a build, every page answers 503 with how to build, and the API paths are untouched', async () => {
  const app = await serverFor(join(tempDir(), 'missing'));
  for (const path of PAGE_PATHS) {
    const res = await app.inject({ method: 'GET', url: path });
    assert.equal(res.statusCode, 503, path);
    assert.match(String(res.headers['content-type']), /text\/html/);
    assert.match(res.body, /npm run build/);
  }
  const asset = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
  assert.equal(asset.statusCode, 404);
  const api = await app.inject({ method: 'GET', url: '/v1/status' });
  assert.equal(api.statusCode, 404, 'the dashboard does not answer for API paths');
  await app.close();
});

test('with a build, pages get the shell (revalidated, no referrer) and assets are cached for good', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="/assets/index-abc.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  const app = await serverFor(dir);
  for (const path of ['/', '/funnel', '/live?def=%7B%7D']) {
    const res = await app.inject({ method: 'GET', url: path });
    assert.equal(res.statusCode, 200, path);
    assert.match(res.body, /id="app"/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
  }
  const js = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
  assert.equal(js.statusCode, 200);
  assert.match(String(js.headers['content-type']), /javascript/);
  assert.match(String(js.headers['cache-control']), /immutable/);
  for (const url of ['/assets/../index.html', '/assets/..%2Findex.html', '/assets/%2e%2e', '/assets/..', '/assets/.', '/assets/index-abc.js%00.js', '/assets/sub%5C..%5Cindex.html']) {
    // never a file outside assets/: 404, or the shell where the URL itself normalises to a page
    const res = await app.inject({ method: 'GET', url });
    assert.ok(res.statusCode === 404 || (res.statusCode === 200 && /id="app"/.test(res.body)), `${url}: ${res.statusCode}`);
  }
  writeFileSync(join(dir, 'secret.txt'), 'not an asset');
  assert.equal((await app.inject({ method: 'GET', url: '/assets/..%2Fsecret.txt' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: '/assets/nope-123.js' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: '/nope' })).statusCode, 404);
  await app.close();
});

test('a build made while the server runs is served without a restart', async () => {
  const dir = tempDir();
  const app = await serverFor(dir);
  assert.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 503);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>built</title>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app-1.css'), 'body{}');
  const res = await app.inject({ method: 'GET', url: '/' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /built/);
  assert.equal((await app.inject({ method: 'GET', url: '/assets/app-1.css' })).statusCode, 200);
  await app.close();
});

test('the default build folder is dist/dashboard in the package', () => {
  assert.equal(defaultAssetsDir(), join(packageRoot(), 'dist', 'dashboard'));
});
