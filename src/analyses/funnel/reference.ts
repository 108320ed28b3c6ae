/**
 * The funnel semantics of docs/funnels.md, written for obviousness, not speed: every attempt of
 * every person is simulated one event at a time. Tests require the SQL engine to give exactly
 * this answer.
 */
import type { EventColumn } from './definition.js';
import { FUNNEL_EVENT_TYPES, type FunnelPlan, type PlanFilter, type PlanMatcher } from './funnel-plan.js';
import { valueMatches } from '../shared/filters.js';
import type { FunnelBreakdownRow, FunnelResult, FunnelStepResult, FunnelTrendRow } from './result.js';
import { periodStart } from './time-zone.js';
import { referenceSessionize, type RefEvent } from '../sessions/reference-sessionize.js';
import { sessionRules } from '../sessions/session-rules.js';

export interface ReferenceEvent {
  readonly eventId: string;
  /** Already resolved through aliases. */
  readonly personId: string;
  readonly type: string;
  readonly event: string;
  readonly timestampMs: number;
  readonly properties: Readonly<Record<string, string>>;
  readonly columns: Readonly<Partial<Record<EventColumn, string>>>;
}

export interface ReferenceData {
  readonly events: readonly ReferenceEvent[];
  /** Latest person properties by person id. */
  readonly personProperties: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The reported attempt of one person who entered the funnel. */
export interface PersonOutcome {
  readonly personId: string;
  /** Furthest step reached (>= 1). */
  readonly level: number;
  /** Time of the attempt's first event (step 1 in ordered/strict mode). */
  readonly entryMs: number;
  /** reachMs[k-1]: when steps 1..k had all been done (k = 1..level). */
  readonly reachMs: readonly number[];
  /** Breakdown value ('' when not set or no breakdown). */
  readonly value: string;
}

/** Bytewise UTF-8 order, the engine's string order. */
export function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The engine orders UUIDs by their last 16 hex digits, then their first 16. */
function uuidOrderKey(id: string): string {
  const hex = id.replaceAll('-', '').toLowerCase();
  return hex.slice(16) + hex.slice(0, 16);
}

/** The value a filter reads (undefined when unset: a missing key, an empty column), tested by the shared predicate. */
function filterPasses(f: PlanFilter, e: ReferenceEvent | null, person: Readonly<Record<string, string>> | undefined): boolean {
  let v: string | undefined;
  if (f.source === 'person') {
    v = person !== undefined && Object.hasOwn(person, f.property) ? person[f.property] : undefined;
  } else if (f.source === 'column') {
    const text = e?.columns[f.property as EventColumn] ?? '';
    v = text === '' ? undefined : text;
  } else {
    v = e !== null && Object.hasOwn(e.properties, f.property) ? e.properties[f.property] : undefined;
  }
  return valueMatches(f, v);
}

function matches(m: PlanMatcher, e: ReferenceEvent, person: Readonly<Record<string, string>> | undefined): boolean {
  return (
    m.names.includes(e.event) &&
    m.eventFilters.every((f) => filterPasses(f, e, person)) &&
    m.personFilters.every((f) => filterPasses(f, null, person))
  );
}

interface Attempt {
  readonly start: number;
  /** fills[k-1] = index of the event that filled step k, or -1. */
  readonly fills: number[];
  level: number;
}

/** Steps 1..k all filled. */
function levelOf(fills: readonly number[]): number {
  let k = 0;
  while (k < fills.length && fills[k] !== -1) k++;
  return k;
}

/** One attempt starting at events[start], simulated per the rules of its order mode. */
function simulate(plan: FunnelPlan, events: readonly ReferenceEvent[], steps: boolean[][], excl: boolean[][], start: number): Attempt {
  const n = plan.steps.length;
  const fills = new Array<number>(n).fill(-1);
  const startStep = plan.mode === 'any' ? (steps[start] ?? []).indexOf(true) : 0;
  fills[startStep] = start;
  const deadline = (events[start]?.timestampMs ?? 0) + plan.windowMs;
  for (let j = start + 1; j < events.length && levelOf(fills) < n; j++) {
    const e = events[j];
    if (e === undefined || e.timestampMs > deadline) break;
    const matched = steps[j] ?? [];
    // The step this event may fill: the next one in order, or in `any` mode the lowest unfilled
    // step it matches. An event fills at most one step of an attempt.
    let target = -1;
    if (plan.mode === 'any') target = matched.findIndex((m, k) => m && fills[k] === -1);
    else if (matched[levelOf(fills)] === true) target = levelOf(fills);
    if (target >= 0) {
      fills[target] = j;
      continue;
    }
    if (plan.mode === 'strict') break;
    const frozen = plan.exclusions.some(
      (x, xi) => excl[j]?.[xi] === true && fills[x.after - 1] !== -1 && fills[x.before - 1] === -1,
    );
    if (frozen) break;
  }
  return { start, fills, level: levelOf(fills) };
}

/**
 * Orders events in the same millisecond by what they match, read as a binary number with step 1
 * as the lowest digit, then the later steps, then the exclusions: fewer and earlier matches first.
 */
function compareMatches(a: readonly boolean[], b: readonly boolean[]): number {
  for (let j = a.length - 1; j >= 0; j--) {
    if (a[j] !== b[j]) return a[j] === true ? 1 : -1;
  }
  return 0;
}

function personOutcome(plan: FunnelPlan, personId: string, unsorted: readonly ReferenceEvent[], data: ReferenceData): PersonOutcome | null {
  const person = data.personProperties.get(personId);
  const rows = unsorted.map((e) => ({
    e,
    steps: plan.steps.map((s) => matches(s, e, person)),
    excl: plan.exclusions.map((x) => matches(x, e, person)),
  }));
  rows.sort(
    (a, b) =>
      a.e.timestampMs - b.e.timestampMs ||
      compareMatches([...a.steps, ...a.excl], [...b.steps, ...b.excl]) ||
      compareText(uuidOrderKey(a.e.eventId), uuidOrderKey(b.e.eventId)),
  );
  const events = rows.map((r) => r.e);
  const steps = rows.map((r) => r.steps);
  const excl = rows.map((r) => r.excl);
  let best: Attempt | null = null;
  events.forEach((e, i) => {
    const inRange = (plan.fromMs === null || e.timestampMs >= plan.fromMs) && (plan.toMs === null || e.timestampMs < plan.toMs);
    const starts = plan.mode === 'any' ? (steps[i] ?? []).some(Boolean) : steps[i]?.[0] === true;
    if (!inRange || !starts) return;
    const a = simulate(plan, events, steps, excl, i);
    // Furthest step wins; among equals the later attempt (events are in order, so `>=`).
    if (a.level >= 1 && (best === null || a.level >= best.level)) best = a;
  });
  if (best === null) return null;
  const b: Attempt = best;
  const reachMs: number[] = [];
  for (let k = 0; k < b.level; k++) {
    const t = events[b.fills[k] ?? -1]?.timestampMs ?? 0;
    reachMs.push(Math.max(t, reachMs[k - 1] ?? t));
  }
  let value = '';
  const bd = plan.breakdown;
  if (bd?.type === 'person') value = person?.[bd.property] ?? '';
  else if (bd) {
    const e = events[b.fills[bd.attributionStep - 1] ?? -1];
    if (e) value = bd.type === 'column' ? (e.columns[bd.property as EventColumn] ?? '') : (e.properties[bd.property] ?? '');
  }
  return { personId, level: b.level, entryMs: events[b.start]?.timestampMs ?? 0, reachMs, value };
}

/** Every unit's reported attempt: persons in id order, or sessions by person and entry time. */
export function referenceOutcomes(plan: FunnelPlan, data: ReferenceData): PersonOutcome[] {
  if (plan.sessions !== null) return sessionOutcomes(plan, plan.sessions, data);
  const byPerson = new Map<string, ReferenceEvent[]>();
  for (const e of data.events) {
    if (!(FUNNEL_EVENT_TYPES as readonly string[]).includes(e.type)) continue;
    const person = data.personProperties.get(e.personId);
    if (!plan.eventFilters.every((f) => filterPasses(f, e, person))) continue;
    if (!plan.personFilters.every((f) => filterPasses(f, null, person))) continue;
    if (plan.fromMs !== null && e.timestampMs < plan.fromMs) continue;
    const list = byPerson.get(e.personId) ?? [];
    list.push(e);
    byPerson.set(e.personId, list);
  }
  const out: PersonOutcome[] = [];
  for (const [personId, events] of byPerson) {
    const o = personOutcome(plan, personId, events, data);
    if (o) out.push(o);
  }
  return out.sort((a, b) => compareText(a.personId, b.personId));
}

/**
 * Sessions as units: each person's activity is cut into sessions by the sessions analysis' own
 * reference rules, from every activity event (the funnel's filters choose events inside a
 * session, they do not move its edges), and each session is then a person of its own.
 */
function sessionOutcomes(plan: FunnelPlan, rules: NonNullable<FunnelPlan['sessions']>, data: ReferenceData): PersonOutcome[] {
  const lowest = plan.fromMs === null ? null : plan.fromMs - rules.lookbackMs;
  const original = new Map<RefEvent, ReferenceEvent>();
  for (const e of data.events) {
    if (!(FUNNEL_EVENT_TYPES as readonly string[]).includes(e.type)) continue;
    if (lowest !== null && e.timestampMs < lowest) continue;
    original.set({ ...e, channel: '', utmCampaign: '', pagePath: '', deviceType: '' }, e);
  }
  const cut = sessionRules({ timeout: rules.timeoutMs, maxLength: rules.maxLengthMs, splitAtMidnight: rules.splitAtMidnight });
  const out: PersonOutcome[] = [];
  for (const session of referenceSessionize([...original.keys()], cut, plan.timezone)) {
    const person = data.personProperties.get(session.personId);
    if (!plan.personFilters.every((f) => filterPasses(f, null, person))) continue;
    const visible = session.events
      .map((r) => original.get(r)!)
      .filter((e) => (plan.fromMs === null || e.timestampMs >= plan.fromMs) && plan.eventFilters.every((f) => filterPasses(f, e, person)));
    const o = visible.length === 0 ? null : personOutcome(plan, session.personId, visible, data);
    if (o) out.push(o);
  }
  return out.sort((a, b) => compareText(a.personId, b.personId) || a.entryMs - b.entryMs);
}

/** The nearest-rank quantile: the ceil(q*N)-th smallest, with q = num/den. */
function nearestRank(sorted: readonly number[], num: number, den: number): number {
  const rank = Math.ceil((sorted.length * num) / den);
  return sorted[Math.max(rank, 1) - 1] ?? 0;
}

function stepsOf(plan: FunnelPlan, persons: readonly PersonOutcome[]): FunnelStepResult[] {
  const counts = plan.steps.map((_, k) => persons.filter((p) => p.level >= k + 1).length);
  return plan.steps.map((s, k) => {
    const reached = persons.filter((p) => p.level >= k + 1);
    const times = reached.map((p) => (p.reachMs[k] ?? 0) - (p.reachMs[k - 1] ?? 0)).sort((a, b) => a - b);
    const prev = k === 0 ? null : (counts[k - 1] ?? 0);
    const first = counts[0] ?? 0;
    const sum = times.reduce((acc, t) => acc + BigInt(t), 0n);
    return {
      index: k + 1,
      label: s.label,
      persons: reached.length,
      conversionFromPrevious: prev === null || prev === 0 ? null : reached.length / prev,
      conversionFromFirst: first === 0 ? null : reached.length / first,
      dropOff: prev === null ? null : prev - reached.length,
      dropOffRate: prev === null || prev === 0 ? null : (prev - reached.length) / prev,
      timeToConvert:
        k === 0 || times.length === 0
          ? null
          : { avgMs: Number(sum) / times.length, medianMs: nearestRank(times, 1, 2), p90Ms: nearestRank(times, 9, 10) },
    };
  });
}

export function referenceFunnel(plan: FunnelPlan, data: ReferenceData): FunnelResult {
  const persons = referenceOutcomes(plan, data);
  const result: { -readonly [K in keyof FunnelResult]: FunnelResult[K] } = {
    order: plan.mode,
    windowMs: plan.windowMs,
    from: plan.fromMs === null ? null : new Date(plan.fromMs).toISOString(),
    to: plan.toMs === null ? null : new Date(plan.toMs).toISOString(),
    steps: stepsOf(plan, persons),
  };
  const bd = plan.breakdown;
  if (bd) {
    const byValue = new Map<string, PersonOutcome[]>();
    for (const p of persons) byValue.set(p.value, [...(byValue.get(p.value) ?? []), p]);
    const ranked = [...byValue.entries()].sort((a, b) => b[1].length - a[1].length || compareText(a[0], b[0]));
    const rows: FunnelBreakdownRow[] = ranked.slice(0, bd.limit).map(([value, ps]) => ({ value, steps: stepsOf(plan, ps) }));
    const others = ranked.slice(bd.limit).flatMap(([, ps]) => ps);
    if (others.length > 0) rows.push({ value: null, steps: stepsOf(plan, others) });
    result.breakdown = { type: bd.type, property: bd.property, attributionStep: bd.attributionStep, rows };
  }
  if (plan.trend) {
    const interval = plan.trend;
    const byPeriod = new Map<string, PersonOutcome[]>();
    for (const p of persons) {
      const period = periodStart(p.entryMs, plan.timezone, interval);
      byPeriod.set(period, [...(byPeriod.get(period) ?? []), p]);
    }
    const rows: FunnelTrendRow[] = [...byPeriod.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([period, ps]) => {
        const converted = ps.filter((p) => p.level === plan.steps.length).length;
        return { period, entered: ps.length, converted, conversionRate: converted / ps.length };
      });
    result.trend = { interval, rows };
  }
  return result;
}
