#!/usr/bin/env node
// Runs every test/**/*.test.ts file with node's built-in runner. Each file runs in its own
// process, which is what the embedded engine needs (one data directory per process).
// Ends with a plain "N passed, N failed" line.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = find('test').sort();
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filter.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString("utf8")).slice(-200000);
});
child.on('close', (code) => {
  const pass = /ℹ pass (\d+)/.exec(tail)?.[1];
  const fail = /ℹ fail (\d+)/.exec(tail)?.[1];
  const cancelled = Number(/ℹ cancelled (\d+)/.exec(tail)?.[1] ?? 0);
  if (pass !== undefined && fail !== undefined) {
    console.log(`${pass} passed, ${Number(fail) + cancelled} failed`);
  } else {
    console.log(`0 passed, 1 failed`);
  }
  process.exit(code ?? 1);
});
