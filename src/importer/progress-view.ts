/**
 * Import progress on a terminal: a bar with rows/s that appears only once an import has run for
 * a second (a small file finishes without flicker), or plain lines for logs and scripts.
 */
import cliProgress from 'cli-progress';
import type { ImportProgress } from './import-summary.js';

export const PROGRESS_MODES = ['auto', 'bar', 'lines', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface ProgressView {
  update(p: ImportProgress): void;
  stop(): void;
}

const PHASE: Record<ImportProgress['phase'], string> = { reading: 'reading file', checking: 'checking rows', storing: 'storing' };

export function progressView(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): ProgressView {
  const started = now();
  if (mode === 'none' || (mode === 'auto' && !stream.isTTY)) return { update: () => {}, stop: () => {} };
  if (mode === 'lines') {
    return {
      update: (p) => stream.write(`import progress: ${PHASE[p.phase]} ${p.rowsDone}/${p.rowsTotal} rows\n`),
      stop: () => {},
    };
  }
  let latest: ImportProgress = { phase: 'reading', rowsDone: 0, rowsTotal: 0 };
  let bar: cliProgress.SingleBar | undefined;
  const payload = (p: ImportProgress) => ({
    phase: PHASE[p.phase],
    speed: Math.round(p.rowsDone / Math.max(0.001, (now() - started) / 1000)).toLocaleString('en-US'),
  });
  const timer = setTimeout(() => {
    bar = new cliProgress.SingleBar({
      stream,
      format: '{phase} |{bar}| {percentage}% | {value}/{total} rows | {speed} rows/s',
      hideCursor: true,
      clearOnComplete: false,
    }, cliProgress.Presets.shades_classic);
    bar.start(Math.max(1, latest.rowsTotal), latest.rowsDone, payload(latest));
  }, 1000);
  timer.unref();
  return {
    update(p) {
      latest = p;
      if (!bar) return;
      bar.setTotal(Math.max(1, p.rowsTotal));
      bar.update(p.rowsDone, payload(p));
    },
    stop() {
      clearTimeout(timer);
      bar?.stop();
    },
  };
}
