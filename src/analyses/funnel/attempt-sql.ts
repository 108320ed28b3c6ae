/**
 * The per-person core of the engine: from a person's events sorted in funnel order, find the
 * reported attempt (furthest step; among equals the latest start) with the event that filled each
 * step. Input columns: `ts` Array(Int64) epoch ms, `fl` Array(UInt64) flags (bit k-1 = matches step
 * k, bit 32+x = matches exclusion x), both sorted. Output columns: `level` (furthest step, 0 if
 * none), `s` (attempt key, see below), `si` (index of the attempt's first event), `ms` (ms[k] =
 * 1-based index of the event that filled step k, 0 if none), `reach` and `entry`.
 *
 * An attempt is named by a key that packs its start time and start index, `(ts - base) << ib | idx`,
 * so a later attempt always has a larger key and its deadline is readable from the key alone.
 *
 * Three strategies, chosen by mode; all compute the semantics of reference.ts:
 * - ordered without exclusions: for each step k, a running "latest attempt that has reached step k"
 *   array, built with arrayMap + arrayFill. Cost O(steps × events) in vectorised array functions.
 *   Why it is exact: an attempt that started later has a later deadline, so if any attempt that
 *   has reached step k can use an event for step k+1, the latest one can, and it is the one to
 *   report. The latest attempt reaching the final level arrived at each step at its own greedy
 *   event, which is the first position where it appears in that step's candidate array.
 * - strict: an attempt is alive only while each next event continues it, so "attempt at step k
 *   whose step-k event is event i" is a shift of step k-1's array. Same cost.
 * - ordered with exclusions, and any-order: a state machine (arrayFold) over the events holding
 *   the live attempts, at most one per set of filled steps (the latest: two attempts with the same
 *   filled steps do the same thing from here on until the earlier one's deadline, so the later one
 *   reaches at least as far), plus the best attempt seen.
 */
import type { FunnelPlan } from './funnel-plan.js';
import type { ParamSink } from '../kernel/sql.js';

const U0 = 'toUInt64(0)';

interface Shared {
  readonly n: number;
  readonly window: string;
  readonly inRange: (t: string) => string;
  readonly deadline: (key: string) => string;
}

function shared(plan: FunnelPlan, p: ParamSink): Shared {
  const window = p.bind('Int64', plan.windowMs);
  const from = plan.fromMs === null ? null : p.bind('Int64', plan.fromMs);
  const to = plan.toMs === null ? null : p.bind('Int64', plan.toMs);
  return {
    n: plan.steps.length,
    window,
    inRange: (t) => [from === null ? '' : `${t} >= ${from}`, to === null ? '' : `${t} < ${to}`].filter(Boolean).join(' AND ') || '1',
    // The window edge is inclusive: an event exactly `window` ms after the attempt's start counts.
    deadline: (key) => `(base + toInt64(bitShiftRight(${key}, ib)) + ${window})`,
  };
}

/**
 * The SELECT lists are returned as layers, each computed in a subquery over the previous one: the
 * query analyser copies an alias's expression into every use, so a long chain of steps written in
 * one SELECT would grow quadratically or worse before it ran, while one subquery per step would
 * nest too deep. Step chains are cut into layers of CHAIN steps.
 */
export type Layers = string[][];
const CHAIN = 4;

function prelude(sh: Shared): Layers {
  return [
    ['ts[1] AS base', 'toUInt8(floor(log2(length(ts))) + 1) AS ib'],
    [
      'arrayMap((t, i) -> bitOr(bitShiftLeft(toUInt64(t - base), ib), toUInt64(i)), ts, arrayEnumerate(ts)) AS keys',
      // lo[i]: the smallest attempt key whose window still covers event i. Comparing keys with it
      // keeps the per-step lambdas free of captured values, which would be copied per element.
      `arrayMap(t -> if(t - base - ${sh.window} <= 0, toUInt64(1), bitShiftLeft(toUInt64(t - base - ${sh.window}), ib)), ts) AS lo`,
    ],
  ];
}
const START_INDEX = 'toUInt32(bitAnd(s, bitShiftLeft(toUInt64(1), ib) - 1)) AS si';

const shiftRight = (arr: string): string => `arrayShiftRight(${arr}, 1)`;

function startCandidates(sh: Shared): string {
  return `arrayMap((f, t, key) -> if(bitTest(f, 0) AND ${sh.inRange('t')}, key, ${U0}), fl, ts, keys)`;
}

function advance(k: number, from: string): string {
  return `arrayMap((f, l, q) -> if(bitTest(f, ${k - 1}) AND q >= l, q, ${U0}), fl, lo, ${shiftRight(from)})`;
}

function chained(n: number, first: string, next: (k: number) => string, name: string): Layers {
  const layers: Layers = [];
  for (let k = 1; k <= n; k++) {
    const col = `${k === 1 ? first : next(k)} AS ${name}${k}`;
    if ((k - 1) % CHAIN === 0) layers.push([col]);
    else layers[layers.length - 1]?.push(col);
  }
  return layers;
}

/** From `lasts` (per step, the attempt reported if the person got that far; 0 if none): level and s. */
const LEVEL_AND_S = ['toUInt8(arrayCount(x -> x != 0, lasts)) AS level', 'lasts[level] AS s'];

function orderedColumns(sh: Shared): Layers {
  // b_k[i]: the latest attempt that has reached step k using events up to i (0 if none).
  const b = chained(sh.n, `arrayFill(x -> x != 0, ${startCandidates(sh)})`, (k) => `arrayFill(x -> x != 0, ${advance(k, `b${k - 1}`)})`, 'b');
  return [
    ...b,
    [`[${range(sh.n).map((k) => `b${k}[-1]`).join(', ')}] AS lasts`, ...LEVEL_AND_S],
    // The reported attempt reached step k at the first position where b_k holds it. Written out
    // per step: an array of the b_k arrays would copy them all.
    [START_INDEX, `[${range(sh.n).map((k) => `if(level >= ${k}, toUInt32(indexOf(b${k}, s)), toUInt32(0))`).join(', ')}] AS ms`],
  ];
}

function strictColumns(sh: Shared): Layers {
  // c_k[i]: the attempt whose step k is event i (0 if none); strictness makes it unique.
  const c = chained(sh.n, startCandidates(sh), (k) => advance(k, `c${k - 1}`), 'c');
  return [
    ...c,
    [`[${range(sh.n).map((k) => `arrayMax(c${k})`).join(', ')}] AS lasts`, ...LEVEL_AND_S],
    [START_INDEX, `arrayMap(k -> if(k <= level, toUInt32(si + k - 1), toUInt32(0)), range(1, ${sh.n + 1})) AS ms`],
  ];
}

function foldColumns(plan: FunnelPlan, sh: Shared): Layers {
  const n = sh.n;
  const all = `toUInt64(${2 ** n - 1})`;
  const levelOf = (sk: string): string => `toUInt8(bitCount(bitXor(${sk}, ${sk} + 1)) - 1)`;
  const lowestBit = (x: string): string => `bitAnd(${x}, bitNot(${x}) + 1)`;
  // The step an event fills in attempt `a`: the next step in order, or in any-order mode the
  // lowest unfilled step it matches.
  const nextBit =
    plan.mode === 'any'
      ? lowestBit(`bitAnd(bitAnd(f, ${all}), bitNot(a.1))`)
      : `bitAnd(bitAnd(bitAnd(bitNot(a.1), a.1 + 1), f), ${all})`;
  const frozen = plan.exclusions.length === 0
    ? '0'
    : plan.exclusions
        .map((x, i) => `(bitTest(f, ${32 + i}) AND bitTest(a.1, ${x.after - 1}) AND NOT bitTest(a.1, ${x.before - 1}))`)
        .join(' OR ');
  const setFill = (fills: string, bit: string): string =>
    `arrayMap((v, j) -> if(j = bitCount(${bit} - 1) + 1, toUInt32(i), v), ${fills}, arrayEnumerate(${fills}))`;
  const startBit = plan.mode === 'any' ? lowestBit(`bitAnd(f, ${all})`) : 'toUInt64(1)';
  const starts = plan.mode === 'any' ? `bitAnd(f, ${all}) != 0` : 'bitTest(f, 0)';
  const emptyFills = `arrayWithConstant(${n}, toUInt32(0))`;
  const attemptType = 'Tuple(UInt64, UInt64, Array(UInt32))';
  const step = `arrayMap(a -> multiIf(
        t > ${sh.deadline('a.2')}, (${U0}, a.2, a.3),
        (${nextBit} AS nb) != 0, (bitOr(a.1, nb), a.2, ${setFill('a.3', 'nb')}),
        ${frozen}, (${U0}, a.2, a.3),
        a), acc.1)`;
  const fresh = `if(${starts} AND ${sh.inRange('t')}, [(${startBit} AS sb, key, ${setFill(emptyFills, 'sb')})], CAST([], 'Array(${attemptType})'))`;
  const cands = `arrayConcat(arrayFilter(a -> a.1 != 0, ${step}), ${fresh})`;
  const dedup = `arrayFilter(c -> NOT arrayExists(d -> d.1 = c.1 AND d.2 > c.2, cs), cs)`;
  const top = `arrayReverseSort(c -> (${levelOf('c.1')}, c.2), cs)[1]`;
  // In any-order mode an attempt can fill a step without getting further (step 3 before step 2),
  // and a breakdown attributed to that step reads the event that filled it. So there an equal key,
  // which is the best attempt itself still live, also refreshes the best's fills. Keys are never 0,
  // so an empty candidate list (top = default tuple) never replaces the best. In ordered mode each
  // fill raises the level, and the strict comparison suffices.
  const better =
    plan.mode === 'any'
      ? `top.2 != 0 AND (${levelOf('top.1')}, top.2) >= (acc.2.1, acc.2.2)`
      : `(${levelOf('top.1')}, top.2) > (acc.2.1, acc.2.2)`;
  const best = `if(${better}, (${levelOf('top.1')}, top.2, top.3), acc.2)`;
  const fold = `arrayFold((acc, f, t, key, i) -> ((${cands} AS cs, ${dedup}).2, (${top} AS top, ${best}).2),
      fl, ts, keys, arrayEnumerate(ts),
      CAST((CAST([], 'Array(${attemptType})'), (0, 0, ${emptyFills})), 'Tuple(Array(${attemptType}), Tuple(UInt8, UInt64, Array(UInt32)))'))`;
  return [[`${fold}.2 AS st`], ['st.1 AS level', 'st.2 AS s', 'st.3 AS ms'], [START_INDEX]];
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** The engine strategy for a plan (see the file comment). */
export function strategyOf(plan: FunnelPlan): 'vector' | 'strict' | 'fold' {
  if (plan.mode === 'strict') return 'strict';
  if (plan.mode === 'ordered' && plan.exclusions.length === 0) return 'vector';
  return 'fold';
}

/**
 * Layers computing `level`, `s`, `si`, `ms` (ms[k-1] = 1-based index of the event that filled step
 * k, 0 if none) from `ts` and `fl`, then `reach` (when steps 1..k had all been done, k = 1..level)
 * and `entry` (time of the attempt's first event).
 */
export function attemptLayers(plan: FunnelPlan, p: ParamSink): Layers {
  const sh = shared(plan, p);
  const strategy = strategyOf(plan);
  const body = strategy === 'vector' ? orderedColumns(sh) : strategy === 'strict' ? strictColumns(sh) : foldColumns(plan, sh);
  // Written out per step: ts[] indexed inside a lambda would copy ts once per step.
  const fillTimes = `[${range(sh.n).map((k) => `ts[ms[${k}]]`).join(', ')}]`;
  // In ordered and strict mode fill times already rise with k. In any-order mode steps fill out
  // of order, and step k is reached when steps 1..k are all done: a running maximum.
  const reachTimes =
    strategy === 'fold'
      ? `[${range(sh.n).map((k) => (k === 1 ? 'fts[1]' : `greatest(${range(k).map((j) => `fts[${j}]`).join(', ')})`)).join(', ')}]`
      : 'fts';
  return [
    ...prelude(sh),
    ...body,
    [`${fillTimes} AS fts`, `arraySlice(${reachTimes}, 1, level) AS reach`, 'ts[si] AS entry'],
  ];
}
