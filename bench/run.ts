/**
 * `npm run bench [-- --only ingest,funnel] [--seconds N] [--events N] [--rows N] [--runs N]`: runs the
 * benchmark sections, saves each one's figures under bench/results/, and regenerates
 * BENCHMARKS.md from all saved results. Sizes default to the issue targets; pass smaller ones
 * for a quick look.
 */
import { parseArgs } from 'node:util';
import { ingestBench } from './ingest.bench.js';
import { layoutBench } from './layout.bench.js';
import { importBench } from './import.bench.js';
import { sessionsBench } from './sessions.bench.js';
import { funnelBench } from './funnel.bench.js';
import { timelineBench } from './timeline.bench.js';
import { liveBench } from './live.bench.js';
import { rollupsBench } from './rollups.bench.js';
import { floodBench } from './flood.bench.js';
import { writeBenchmarksMd } from './report.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    seconds: { type: 'string' },
    events: { type: 'string', default: '100000000' },
    rows: { type: 'string', default: '10000000' },
    runs: { type: 'string' },
  },
});

const events = Number(values.events);
const sections: Record<string, () => Promise<unknown>> = {
  layout: () => layoutBench({ events: Math.min(events, 10_000_000) }),
  ingest: () => ingestBench({ seconds: Number(values.seconds ?? 10) }),
  import: () => importBench({ rows: Number(values.rows), runs: 3 }),
  funnel: () => funnelBench({ events }),
  timeline: () => timelineBench({ events, ...(values.runs ? { runs: Number(values.runs) } : {}) }),
  sessions: () => sessionsBench({ events }),
  // 30 s per phase: 6,000 requests, so a p99 rests on 60 answers rather than 20.
  live: () => liveBench({ seconds: Number(values.seconds ?? 30) }),
  rollups: () => rollupsBench({ events }),
  // 180 s per run, two runs (backpressure on and off) side by side.
  flood: () => floodBench({ seconds: Number(values.seconds ?? 180) }),
};

const wanted = values.only ? values.only.split(',') : Object.keys(sections);
for (const name of wanted) {
  const fn = sections[name];
  if (!fn) {
    console.error(`unknown section "${name}"; sections: ${Object.keys(sections).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== ${name} ==`);
  const t0 = performance.now();
  await fn();
  console.log(`${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
writeBenchmarksMd();
console.log('\nBENCHMARKS.md updated');
