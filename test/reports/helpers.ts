/** Shared pieces of the report tests: event rows as the loader stores them, and a reports setup. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventRow } from '../../src/events/event-row.js';
import { toSqlTime } from '../../src/events/event-row.js';
import { identityRows } from '../../src/records/identity.js';
import type { Store } from '../../src/store/store.js';
import { AnalysisRegistry } from '../../src/analyses/registry.js';
import { ALL_ANALYSES } from '../../src/analyses/all.js';
import type { AnyAnalysis } from '../../src/analyses/analysis.js';
import { createReports, type Reports } from '../../src/reports/reports-module.js';
import type { ProjectRef } from '../../src/reports/report-service.js';

export interface TestEvent {
  readonly id: string;
  readonly person: string;
  readonly event: string;
  readonly ms: number;
  readonly type?: EventRow['type'];
  /** With `anonymousId`, the event links the anonymous id to this user (as after a login). */
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly traits?: Record<string, string>;
}

let seq = 0;
/** UUIDs that are unique within a test process. */
export function uuid(): string {
  seq += 1;
  return `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`;
}

export function row(projectId: string, e: TestEvent): EventRow {
  const time = toSqlTime(e.ms);
  return {
    project_id: projectId,
    event_id: e.id,
    type: e.type ?? 'track',
    event: e.event,
    person_id: e.person,
    anonymous_id: e.anonymousId ?? '',
    user_id: e.userId ?? '',
    timestamp: time,
    received_at: time,
    sent_at: null,
    timestamp_clamped: false,
    page_url: '', page_path: '', page_referrer: '', page_title: '',
    device_type: '', os: '', browser: '', channel: '',
    utm_source: '', utm_medium: '', utm_campaign: '', country: '', locale: '',
    properties: {},
    traits: e.traits ?? {},
    context: '',
  };
}

/** Inserts events of several projects in one round trip, with identity rows as the loader writes them. */
export async function insertEvents(store: Store, batches: ReadonlyArray<{ projectId: string; events: readonly TestEvent[] }>): Promise<void> {
  const rows = batches.flatMap((b) => b.events.map((e) => row(b.projectId, e)));
  if (rows.length === 0) return;
  await store.insertJsonRows('events', rows.map((r) => JSON.stringify(r)).join('\n'));
  const { aliases, properties } = identityRows(rows);
  if (aliases.length > 0) await store.insertJsonRows('person_aliases', aliases.map((a) => JSON.stringify(a)).join('\n'));
  if (properties.length > 0) await store.insertJsonRows('person_properties', properties.map((p) => JSON.stringify(p)).join('\n'));
}

export interface ReportsSetup extends Reports {
  readonly timezones: Map<string, string>;
  readonly exportRoot: string;
  project(projectId: string, timezone: string): ProjectRef;
}

export function setupReports(store: Store, options: { now?: () => number; analyses?: readonly AnyAnalysis[]; overlapMs?: number } = {}): ReportsSetup {
  const timezones = new Map<string, string>();
  const exportRoot = mkdtempSync(join(tmpdir(), 'clickpath-exports-'));
  const reports = createReports({
    store,
    analyses: new AnalysisRegistry(options.analyses ?? ALL_ANALYSES),
    now: options.now ?? Date.now,
    timezoneOf: (p) => timezones.get(p) ?? 'UTC',
    exportRoot,
    overlapMs: options.overlapMs ?? 1,
  });
  return {
    ...reports,
    timezones,
    exportRoot,
    project(projectId, timezone) {
      timezones.set(projectId, timezone);
      return { projectId, timezone };
    },
  };
}

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
