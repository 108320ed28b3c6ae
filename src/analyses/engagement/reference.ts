/**
 * Reference implementation of the engagement analysis (docs/sessions.md, "Time on content"),
 * in plain TypeScript over an in-memory event list, for the property tests.
 */
import { localDate } from '../sessions/local-date.js';
import type { RefEvent } from '../sessions/reference-sessionize.js';
import { referenceSessionize } from '../sessions/reference-sessionize.js';
import { sessionRange } from '../sessions/session-rules.js';
import type { EngagementPlan } from './definition.js';
import { explicitDurationMs } from './definition.js';
import type { EngagementDay, EngagementItemDay, EngagementPersonDay, EngagementResult, ViewMetrics } from './result.js';

export interface RefView {
  readonly personId: string;
  readonly day: string;
  readonly key: readonly string[];
  /** null = unmeasured */
  readonly dwellMs: number | null;
}

/** Byte order of UTF-8 text, which is how the engine sorts strings. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// Own properties only: a key like "__proto__" must not reach Object.prototype.
function propertyOf(e: RefEvent, key: string): string | undefined {
  return Object.hasOwn(e.properties, key) ? e.properties[key] : undefined;
}

export function referenceViews(events: readonly RefEvent[], plan: EngagementPlan, timezone: string): RefView[] {
  const views: RefView[] = [];
  const range = sessionRange(plan.rules, timezone);
  for (const { personId, events: evs } of referenceSessionize(events, plan.rules, timezone)) {
    evs.forEach((e, i) => {
      if (!plan.contentEvents.includes(e.event)) return;
      if (range.fromMs !== null && e.timestampMs < range.fromMs) return;
      if (range.toMs !== null && e.timestampMs >= range.toMs) return;
      const day = localDate(e.timestampMs, timezone);
      const explicit = plan.durationProperty === null ? null : explicitDurationMs(propertyOf(e, plan.durationProperty), plan.durationUnit);
      let dwellMs = explicit;
      if (dwellMs === null) {
        const later = evs.slice(i + 1);
        const end = later.find((x) => !plan.heartbeatEvents.includes(x.event)) ?? later[later.length - 1];
        dwellMs = end === undefined ? null : end.timestampMs - e.timestampMs;
      }
      views.push({ personId, day, key: plan.keys.map((k) => propertyOf(e, k) ?? ''), dwellMs });
    });
  }
  return views;
}

function metrics(views: readonly RefView[]): ViewMetrics & { persons: number; measuredPersons: number; avgTimePerPersonMs: number | null } {
  const measured = views.filter((v) => v.dwellMs !== null);
  const totalTimeMs = measured.reduce((sum, v) => sum + (v.dwellMs ?? 0), 0);
  const measuredPersons = new Set(measured.map((v) => v.personId)).size;
  return {
    views: views.length,
    measuredViews: measured.length,
    unmeasuredViews: views.length - measured.length,
    totalTimeMs,
    avgTimePerViewMs: measured.length === 0 ? null : totalTimeMs / measured.length,
    persons: new Set(views.map((v) => v.personId)).size,
    measuredPersons,
    avgTimePerPersonMs: measuredPersons === 0 ? null : totalTimeMs / measuredPersons,
  };
}

function groupBy<K>(views: readonly RefView[], keyOf: (v: RefView) => K, id: (k: K) => string): Array<[K, RefView[]]> {
  const groups = new Map<string, [K, RefView[]]>();
  for (const v of views) {
    const k = keyOf(v);
    const g = groups.get(id(k)) ?? [k, []];
    g[1].push(v);
    groups.set(id(k), g);
  }
  return [...groups.values()];
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareUtf8(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function referenceEngagementResult(events: readonly RefEvent[], plan: EngagementPlan, timezone: string): EngagementResult {
  const views = referenceViews(events, plan, timezone);
  if (plan.report === 'daily') {
    const rows: EngagementDay[] = groupBy(views, (v) => v.day, (d) => d)
      .sort(([a], [b]) => compareUtf8(a, b))
      .map(([day, vs]) => {
        const m = metrics(vs);
        return {
          day, persons: m.persons, measuredPersons: m.measuredPersons, views: m.views, measuredViews: m.measuredViews,
          unmeasuredViews: m.unmeasuredViews, totalTimeMs: m.totalTimeMs, avgTimePerViewMs: m.avgTimePerViewMs,
          avgTimePerPersonMs: m.avgTimePerPersonMs,
        };
      });
    return { report: 'daily', rows };
  }
  if (plan.report === 'per_person_day') {
    const rows: EngagementPersonDay[] = groupBy(views, (v) => [v.day, v.personId] as const, (k) => JSON.stringify(k))
      .sort(([a], [b]) => compareUtf8(a[0], b[0]) || compareUtf8(a[1], b[1]))
      .map(([[day, personId], vs]) => {
        const m = metrics(vs);
        return {
          day, personId, views: m.views, measuredViews: m.measuredViews, unmeasuredViews: m.unmeasuredViews,
          totalTimeMs: m.totalTimeMs, avgTimePerViewMs: m.avgTimePerViewMs,
        };
      });
    return { report: 'per_person_day', rows };
  }
  const rows: EngagementItemDay[] = groupBy(views, (v) => [v.day, v.key] as const, (k) => JSON.stringify(k))
    .sort(([a], [b]) => compareUtf8(a[0], b[0]) || compareKeys(a[1], b[1]))
    .map(([[day, key], vs]) => {
      const m = metrics(vs);
      return {
        day, key, views: m.views, uniquePersons: m.persons, measuredPersons: m.measuredPersons,
        measuredViews: m.measuredViews, unmeasuredViews: m.unmeasuredViews, totalTimeMs: m.totalTimeMs,
        avgTimePerViewMs: m.avgTimePerViewMs, avgTimePerPersonMs: m.avgTimePerPersonMs,
      };
    });
  return { report: 'per_item_day', keys: plan.keys, rows };
}
