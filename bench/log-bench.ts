/**
 * Append throughput of the durable log with 1 KB payloads: one appender awaiting each append
 * (one fsync per record) versus many concurrent appenders sharing fsyncs through group commit.
 * Usage: node --import tsx bench/log-bench.ts [seconds per case] [dir]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SegmentLog } from '../src/log/segment-log.js';

const seconds = Number(process.argv[2] ?? 5);
const parent = process.argv[3] ?? tmpdir();

async function run(appenders: number): Promise<void> {
  const dir = mkdtempSync(join(parent, 'clickpath-log-bench-'));
  const log = await SegmentLog.open(dir);
  const payload = Buffer.alloc(1024, 0x61);
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await log.append(payload);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: appenders }, worker));
  const elapsed = (performance.now() - start) / 1000;
  const { appendedRecords, fsyncs } = log.stats();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pct = (p: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(2);
  console.log(
    `${String(appenders).padStart(4)} appenders: ${Math.round(appendedRecords / elapsed)} records/s, ` +
      `${Math.round(fsyncs / elapsed)} fsyncs/s, ${(appendedRecords / Math.max(1, fsyncs)).toFixed(1)} records/fsync, ` +
      `${((appendedRecords * 1032) / elapsed / 1e6).toFixed(1)} MB/s, latency p50 ${pct(0.5)} ms p99 ${pct(0.99)} ms`,
  );
}

for (const appenders of [1, 500]) await run(appenders);
