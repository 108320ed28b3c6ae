/**
 * The built dashboard for tests: the package's build when it is newer than every source file of
 * the UI, else a fresh build into a temporary folder, so a test never runs against stale code.
 */
import { mkdtempSync, readdirSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { defaultAssetsDir, packageRoot } from '../../src/web/plugins.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

export async function dashboardAssets(): Promise<string> {
  const root = packageRoot();
  const built = defaultAssetsDir();
  const index = join(built, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs > newestMtime(join(root, 'web'))) return built;
  const outDir = mkdtempSync(join(tmpdir(), 'clickpath-dashboard-'));
  await build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}
