/**
 * `npm run bench [-- --only ingest,funnel] [--seconds N]`: runs the benchmark sections, saves
 * each one's figures under bench/results/, and regenerates BENCHMARKS.md from all saved results.
 */
import { parseArgs } from 'node:util';
import { ingestBench } from './ingest.bench.js';
import { layoutBench } from './layout.bench.js';
import { writeBenchmarksMd } from './report.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    events: { type: 'string', default: '10000000' },
  },
});

const sections: Record<string, () => Promise<unknown>> = {
  layout: () => layoutBench({ events: Number(values.events) }),
  ingest: () => ingestBench({ seconds: Number(values.seconds) }),
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
