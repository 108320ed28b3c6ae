/**
 * Top lists saved on a schedule into `live_top_history`, so "which items were highlighted when"
 * can be reported later. A schedule (per project, one per event and property) takes a snapshot
 * once per slot of `every` (slots are aligned to the epoch: every 4 h means 00:00, 04:00, ...
 * UTC); a server that was down for a slot takes the current one when it comes back, and never
 * back-fills the ones it missed. The clock is injected and `runDue` does one round, so tests
 * drive it without waiting.
 */
import type { Store } from '../store/store.js';
import { toSqlTime } from '../events/event-row.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { sql, str, TRUE, type Fragment } from '../analyses/kernel/sql.js';
import { instant } from '../analyses/kernel/time-sql.js';
import { queryRows } from '../analyses/kernel/run.js';

export interface SnapshotSpec {
  readonly event: string;
  readonly key: string;
  readonly windowMs: number;
  readonly limit: number;
  readonly everyMs: number;
  /** A second event counted per listed value, stored beside the count. */
  readonly second: string | null;
}

export interface ProjectSpec extends SnapshotSpec {
  readonly projectId: string;
}

export interface SnapshotItem {
  readonly rank: number;
  readonly value: string;
  readonly count: number;
  readonly secondCount?: number;
}

export interface Snapshot {
  readonly takenAt: string;
  readonly windowMs: number;
  readonly second: string | null;
  readonly items: SnapshotItem[];
}

export interface SnapshotDeps {
  readonly store: Store;
  readonly projects: () => readonly string[];
  /** The top list of a spec for the window ending at `end`. */
  readonly takeTop: (projectId: string, spec: SnapshotSpec, end: number) => Promise<Array<Omit<SnapshotItem, 'rank'>>>;
  readonly now: () => number;
  /** Schedules every project has unless it stores its own for the same event and key. */
  readonly defaults: readonly SnapshotSpec[];
  readonly onError?: (err: unknown) => void;
}

interface ScheduleRow {
  project_id: string;
  event: string;
  key: string;
  window_ms: number;
  top_limit: number;
  every_ms: number;
  second_event: string;
  active: boolean;
}

/** One saved list of a project: its guard, event and key. */
function ofList(scope: ProjectScope, event: string, key: string): Fragment {
  return sql`${scope.guard()} AND event = ${str(event)} AND key = ${str(key)}`;
}

const specKey = (projectId: string, event: string, key: string): string => `${projectId}\u0000${event}\u0000${key}`;

export class TopSnapshots {
  private readonly lastTaken = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  /** Schedule versions must increase strictly: the newest row of a schedule wins. */
  private lastWrite = 0;
  private running: Promise<unknown> | null = null;

  constructor(private readonly deps: SnapshotDeps) {}

  /** Active schedules: each project's stored ones, plus the defaults it does not override. */
  async schedules(projectId?: string): Promise<ProjectSpec[]> {
    // Without a project this is the scheduler's read of every project: the one unguarded read.
    const scope = new ProjectScope(this.deps.store.database, projectId ?? '');
    const rows = await queryRows<ScheduleRow>(this.deps.store, sql`SELECT project_id, event, key, argMax(window_ms, updated_at) AS window_ms, argMax(top_limit, updated_at) AS top_limit,
              argMax(every_ms, updated_at) AS every_ms, argMax(second_event, updated_at) AS second_event,
              argMax(active, updated_at) AS active
       FROM ${scope.table('live_top_schedules')}
       WHERE ${projectId === undefined ? TRUE : scope.guard()}
       GROUP BY project_id, event, key ORDER BY project_id, event, key`);
    const stored = new Set(rows.map((r) => specKey(r.project_id, r.event, r.key)));
    const out: ProjectSpec[] = rows.filter((r) => r.active).map((r) => ({
      projectId: r.project_id,
      event: r.event,
      key: r.key,
      windowMs: Number(r.window_ms),
      limit: Number(r.top_limit),
      everyMs: Number(r.every_ms),
      second: r.second_event === '' ? null : r.second_event,
    }));
    const projects = projectId === undefined ? this.deps.projects() : [projectId];
    for (const p of projects) {
      for (const d of this.deps.defaults) if (!stored.has(specKey(p, d.event, d.key))) out.push({ ...d, projectId: p });
    }
    return out;
  }

  async setSchedule(projectId: string, spec: SnapshotSpec): Promise<void> {
    await this.writeSchedule(projectId, spec, true);
  }

  /** Stops a schedule (also a default one, for this project); its history stays. */
  async removeSchedule(projectId: string, event: string, key: string): Promise<boolean> {
    const existing = (await this.schedules(projectId)).find((s) => s.event === event && s.key === key);
    if (!existing) return false;
    await this.writeSchedule(projectId, existing, false);
    return true;
  }

  /** Takes and stores one snapshot now; returns the number of items saved. */
  async take(projectId: string, spec: SnapshotSpec, at = this.deps.now()): Promise<number> {
    const items = await this.deps.takeTop(projectId, spec, at);
    this.lastTaken.set(specKey(projectId, spec.event, spec.key), at);
    if (items.length === 0) return 0;
    const takenAt = toSqlTime(at);
    const rows = items.map((item, i) => JSON.stringify({
      project_id: projectId,
      event: spec.event,
      key: spec.key,
      taken_at: takenAt,
      window_ms: spec.windowMs,
      rank: i + 1,
      value: item.value,
      count: item.count,
      second_event: spec.second ?? '',
      second_count: item.secondCount ?? 0,
    }));
    await this.deps.store.insertJsonRows('live_top_history', rows.join('\n'), {
      dedupToken: `live-top-${specKey(projectId, spec.event, spec.key)}-${at}`,
    });
    return items.length;
  }

  /** Takes every snapshot whose slot has come; returns how many were taken. */
  async runDue(): Promise<number> {
    const now = this.deps.now();
    let taken = 0;
    for (const spec of await this.schedules()) {
      const last = await this.lastTakenAt(spec);
      if (last !== null && Math.floor(last / spec.everyMs) >= Math.floor(now / spec.everyMs)) continue;
      try {
        await this.take(spec.projectId, spec, now);
        taken += 1;
      } catch (err) {
        this.deps.onError?.(err);
      }
    }
    return taken;
  }

  /** Saved snapshots of one list, oldest first. */
  async history(projectId: string, event: string, key: string, from: number, to: number): Promise<Snapshot[]> {
    const scope = new ProjectScope(this.deps.store.database, projectId);
    const rows = await queryRows<{ t: string; w: number; r: number; v: string; c: number; s: string; sc: number }>(this.deps.store, sql`SELECT toString(taken_at) AS t, window_ms AS w, rank AS r, value AS v, count AS c, second_event AS s, second_count AS sc
       FROM ${scope.table('live_top_history')}
       WHERE ${ofList(scope, event, key)}
         AND taken_at >= ${instant(from)} AND taken_at <= ${instant(to)}
       ORDER BY taken_at, rank
       LIMIT 1 BY taken_at, rank`);
    const out: Snapshot[] = [];
    for (const r of rows) {
      const takenAt = new Date(r.t.replace(' ', 'T') + 'Z').toISOString();
      let last = out[out.length - 1];
      if (!last || last.takenAt !== takenAt) {
        last = { takenAt, windowMs: Number(r.w), second: r.s === '' ? null : r.s, items: [] };
        out.push(last);
      }
      last.items.push({ rank: Number(r.r), value: r.v, count: Number(r.c), ...(r.s === '' ? {} : { secondCount: Number(r.sc) }) });
    }
    return out;
  }

  /** Checks for due snapshots every `checkEveryMs` until `stop`. */
  start(checkEveryMs: number): void {
    if (this.timer) return;
    const tick = (): void => {
      if (this.running) return;
      this.running = this.runDue().catch((err) => this.deps.onError?.(err)).finally(() => (this.running = null));
    };
    this.timer = setInterval(tick, checkEveryMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async lastTakenAt(spec: ProjectSpec): Promise<number | null> {
    const k = specKey(spec.projectId, spec.event, spec.key);
    const cached = this.lastTaken.get(k);
    if (cached !== undefined) return cached;
    const scope = new ProjectScope(this.deps.store.database, spec.projectId);
    const [row] = await queryRows<{ t: string | null }>(this.deps.store, sql`SELECT if(count() = 0, NULL, toString(max(taken_at))) AS t FROM ${scope.table('live_top_history')}
       WHERE ${ofList(scope, spec.event, spec.key)}`);
    if (!row?.t) return null;
    const t = Date.parse(row.t.replace(' ', 'T') + 'Z');
    this.lastTaken.set(k, t);
    return t;
  }

  private async writeSchedule(projectId: string, spec: SnapshotSpec, active: boolean): Promise<void> {
    const version = Math.max(this.deps.now(), this.lastWrite + 1);
    this.lastWrite = version;
    await this.deps.store.insertJsonRows('live_top_schedules', JSON.stringify({
      project_id: projectId,
      event: spec.event,
      key: spec.key,
      window_ms: spec.windowMs,
      top_limit: spec.limit,
      every_ms: spec.everyMs,
      second_event: spec.second ?? '',
      active,
      updated_at: toSqlTime(version),
    }));
  }
}
