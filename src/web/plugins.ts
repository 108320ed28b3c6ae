/**
 * The dashboard's server side, as the route modules `startApp` takes:
 *   startApp(config, { plugins: webPlugins() })
 * It serves the built UI and the small read endpoints its pickers use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { AppCore } from '../app.js';
import type { Auth } from '../api/auth.js';
import { registerDashboard } from './dashboard.plugin.js';
import { registerMetaRoutes } from './meta.route.js';
import { registerFunnelPersonsRoute } from './funnel-persons.route.js';

export type AppPlugin = (app: FastifyInstance, core: AppCore, auth: Auth) => void | Promise<void>;

export interface WebPluginOptions {
  /** Folder of the Vite build; default `dist/dashboard` in the Clickpath package. */
  readonly assetsDir?: string;
}

/**
 * The package folder, found from this module's own location so it is the same whether the server
 * runs from `src/` (tsx) or from the compiled `dist/`.
 */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'clickpath') return dir;
      } catch {
        // An unreadable manifest is not ours; keep looking upwards.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the clickpath package folder above ${from}`);
    dir = parent;
  }
}

export function defaultAssetsDir(): string {
  return join(packageRoot(), 'dist', 'dashboard');
}

export function webPlugins(options: WebPluginOptions = {}): AppPlugin[] {
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  return [
    (app, core, auth) => registerMetaRoutes(app, { store: core.store, auth, now: core.now }),
    (app, core, auth) => registerFunnelPersonsRoute(app, { store: core.store, auth, now: core.now }),
    (app) => registerDashboard(app, { assetsDir }),
  ];
}
