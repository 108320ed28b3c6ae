/** A progress bar with a rate, shown only on a terminal and only for work that takes a while. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export function progressBar(label: string, unit: string): Progress {
  const started = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done, total) {
      // Work that ends within a second needs no bar.
      if (!bar && Date.now() - started < 1000 && done < total) return;
      if (!process.stderr.isTTY) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({
          format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | eta {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(total, done, { rate: '0' });
      }
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      bar.setTotal(total);
      bar.update(done, { rate: Math.round(done / seconds).toLocaleString('en-US') });
    },
    stop() {
      bar?.stop();
    },
  };
}
