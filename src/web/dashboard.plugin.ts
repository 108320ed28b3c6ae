/**
 * Serves the built dashboard: `index.html` at `/` and at every page path (the UI routes with the
 * History API, so a shared link like `/funnel?def=...` must load the app), hashed bundles under
 * `/assets/`. The build output is read at request time, so `npm run build` while a server runs is
 * picked up without a restart, and a missing build is a clear page instead of a crash.
 *
 * Vite writes the bundles into one flat folder with content-hashed names, so an asset path is
 * one file name of a strict pattern (no separators, no dot-only names): nothing outside the
 * folder can be named, whatever the request's encoding.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Paths of the dashboard's pages; each answers with the app shell. */
export const PAGE_PATHS = [
  '/',
  '/funnel',
  '/sessions',
  '/engagement',
  '/trends',
  '/retention',
  '/paths',
  '/live',
  '/rejected',
  '/reports',
] as const;

/**
 * The secret key may arrive in the address (`/?key=sk_...`); the app removes it at once, and no
 * page may leak it to another origin meanwhile. Inline styles are needed by the chart tooltips.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clickpath: dashboard not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>The dashboard is not built yet</h1>
<p>This server found no dashboard files. Build them once from the Clickpath folder:</p>
<p><code>npm run build</code></p>
<p>then reload this page. The API under <code>/v1/</code> works without them.</p></body></html>
`;

export interface DashboardOptions {
  /** Folder holding the Vite build (`index.html` and `assets/`). */
  readonly assetsDir: string;
}

async function sendIndex(reply: FastifyReply, assetsDir: string): Promise<FastifyReply> {
  reply.headers(SECURITY_HEADERS).type('text/html; charset=utf-8');
  let html: string;
  try {
    html = await readFile(join(assetsDir, 'index.html'), 'utf8');
  } catch {
    return reply.code(503).header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
  }
  // The shell names the current hashed bundles, so it must be revalidated on every load.
  return reply.header('cache-control', 'no-cache').send(html);
}

/** What the build emits, by extension; anything else is not served. */
const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

function notFound(reply: FastifyReply): FastifyReply {
  reply.callNotFound();
  return reply;
}

async function sendAsset(reply: FastifyReply, assetsDir: string, name: string): Promise<FastifyReply> {
  const type = ASSET_TYPES[extname(name).toLowerCase()];
  if (!ASSET_NAME.test(name) || name.includes('..') || type === undefined) return notFound(reply);
  let body: Buffer;
  try {
    body = await readFile(join(assetsDir, name));
  } catch {
    return notFound(reply);
  }
  // File names carry a content hash: a name never changes meaning.
  return reply
    .headers({ 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=31536000, immutable' })
    .type(type)
    .send(body);
}

export async function registerDashboard(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const assets = join(options.assetsDir, 'assets');
  const built = await stat(assets).then((s) => s.isDirectory(), () => false);
  if (!built) app.log.warn(`dashboard assets not found in ${options.assetsDir}; run "npm run build"`);
  app.get<{ Params: { name: string } }>('/assets/:name', (req, reply) => sendAsset(reply, assets, req.params.name));
  for (const path of PAGE_PATHS) {
    app.get(path, (_req, reply) => sendIndex(reply, options.assetsDir));
  }
}
