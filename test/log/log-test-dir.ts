import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory for one log, removed by `dispose`. */
export function tempLogDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-log-test-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Segment file names of a log directory, oldest first. */
export function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.seg'))
    .sort();
}

/** Positions each record should get when appended in this order to a log starting at `base`. */
export function expectedPositions(payloads: readonly Buffer[], base = 0): Array<{ position: number; next: number }> {
  let position = base;
  return payloads.map((p) => {
    const next = position + 8 + p.length;
    const entry = { position, next };
    position = next;
    return entry;
  });
}
