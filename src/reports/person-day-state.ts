/**
 * The per-person state of sessions-per-day reports (table `report_session_days`): one row per
 * (day, person) with that person's sessions starting that day.
 *
 * Why: a day's sessions depend on the days around it (sessions cross midnight and last up to
 * `maxLength`), so recomputing a touched day for everyone reads five days of everyone's events.
 * A person's sessions depend only on that person's events, so a run recomputes just the persons
 * new data touched, on the touched days, and re-adds each day from the stored rows.
 *
 * Rows are replaced by version (ReplacingMergeTree; read with FINAL once a run replaced any). A person who no longer has
 * sessions on a recomputed day gets a row with sessions = 0. A run that dies after writing rows
 * leaves rows that are already right for the data it read; the next run recomputes the same
 * persons and days anyway, since the watermark did not move.
 */
import type { QueryParams, Store } from '../store/store.js';
import type { PersonScope } from '../analyses/sessions/sessionize-sql.js';
import { PERSON_DAY_COLUMNS } from '../analyses/sessions/sessions-compiler.js';
import { legacyText } from '../analyses/kernel/legacy-text.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { compile, empty, ident, join, NumberedParams, param, render, sql, str, uint32, type Fragment } from '../analyses/kernel/sql.js';
import { execute, queryRows } from '../analyses/kernel/run.js';

export interface StateKey {
  readonly projectId: string;
  readonly reportId: string;
  readonly revision: number;
}

/** Local dates (YYYY-MM-DD), first and last inclusive. */
export interface DayRange {
  readonly first: string;
  readonly last: string;
}

export interface StateQuery {
  readonly sql: string;
  readonly params: QueryParams;
}

/** The persons a group of days is recomputed for (null = everyone), with the parameters its SQL binds. */
export type Scope = { readonly scope: PersonScope; readonly params: QueryParams } | null;

/** The persons one run recomputes, by group of days. */
export interface Scopes {
  near(days: DayRange): NonNullable<Scope>;
}

const COLUMNS = join(PERSON_DAY_COLUMNS.map((c) => sql`${ident(c, PERSON_DAY_COLUMNS)}`), ', ');

/** This report revision's rows of `days`. */
function mine(scope: ProjectScope, key: StateKey, days: DayRange): Fragment {
  return sql`${scope.guard()} AND report_id = ${str(key.reportId)} AND revision = ${uint32(key.revision)}
  AND day >= ${param('Date', days.first)} AND day <= ${param('Date', days.last)}`;
}

export class PersonDayState {
  private readonly db: string;

  constructor(private readonly store: Store) {
    this.db = store.database;
  }

  /**
   * Makes the state of `days` right for the persons of `scope` (everyone when null): writes the
   * rows `rows` computes (PERSON_DAY_COLUMNS, for exactly those days and persons) under
   * `version`, then a sessions = 0 row for every older row of those days and persons that the
   * new rows did not replace. Returns whether older rows existed: without them, every
   * (day, person) has one row and reads can skip FINAL.
   */
  async write(key: StateKey, version: number, days: DayRange, rows: StateQuery, scope: Scope): Promise<boolean> {
    const project = new ProjectScope(this.db, key.projectId);
    const table = project.table('report_session_days');
    const state = mine(project, key, days);
    const v = param('UInt64', version);
    const keyValues = sql`${project.project}, ${str(key.reportId)}, ${uint32(key.revision)}, ${v}`;
    // `rows` and the scope are SQL text with their own parameters: these statements splice them
    // in, so they are rendered as text too, through one sink whose names (`stN`) cannot clash.
    const sink = new NumberedParams('st');
    const text = (f: Fragment) => render(f, sink);
    const params = () => sink.with({ ...rows.params, ...(scope?.params ?? {}) });
    const insert = text(sql`INSERT INTO ${table} (project_id, report_id, revision, version, ${COLUMNS})
       SELECT ${keyValues}, ${COLUMNS}
       FROM (${legacyText(rows.sql)})`);
    await this.store.exec(insert, params());
    // A first run finds no older rows: skip reading the fresh ones back.
    const older = await queryRows(this.store, sql`SELECT 1 FROM ${table} WHERE ${state} AND version < ${v} LIMIT 1`);
    if (older.length === 0) return false;
    // Rows whose newest version is older than this run's and still counts sessions; read
    // without FINAL, which would merge the duration lists too.
    const inScope = scope ? sql`AND person_id IN (${legacyText(scope.scope.resolved)})` : empty;
    const zeroes = text(sql`INSERT INTO ${table} (project_id, report_id, revision, version, ${COLUMNS})
       SELECT ${keyValues}, day, person_id, 0, [], 0, 0, 0, 0
       FROM ${table}
       WHERE ${state} ${inScope}
       GROUP BY day, person_id
       HAVING max(version) < ${v} AND argMax(sessions, version) > 0`);
    await this.store.exec(zeroes, params());
    return true;
  }

  /** The state rows of `days` as a subquery for `dailyFromPersonDays`, with its parameters. */
  current(key: StateKey, days: DayRange, replaced: boolean): StateQuery {
    const project = new ProjectScope(this.db, key.projectId);
    return compile(sql`(SELECT * FROM ${project.table('report_session_days')} ${replaced ? sql`FINAL` : empty} WHERE ${mine(project, key, days)})`);
  }

  /**
   * Evaluates `persons` (SQL with columns person_id and day, over `params`) once for run `runId`
   * and keeps them, and the ids that may resolve to them, in `report_scope`; the run's statements
   * read that small table instead of evaluating the query again. `near(first, last)` is the scope
   * of a group of days: the persons with a new row within `pad` days of them, or on any day.
   * Without alias links (`aliases` false) every id is its own person: the ids are the persons.
   */
  async scope(key: StateKey, runId: string, persons: string, params: QueryParams, pad: number, aliases: boolean): Promise<Scopes> {
    const project = new ProjectScope(this.db, key.projectId);
    const table = project.table('report_scope');
    const report = str(key.reportId);
    const run = str(runId);
    const ofRun = sql`${project.guard()} AND report_id = ${report} AND run_id = ${run}`;
    // The scope's SQL is handed out as text (the sessions compiler splices it in); every text
    // binds through this one sink, so the parameters of all of them can be merged.
    const sink = new NumberedParams('sc');
    await this.store.exec(
      render(sql`INSERT INTO ${table} (project_id, report_id, run_id, resolved, id, day)
       SELECT DISTINCT ${project.project}, ${report}, ${run}, true, person_id, day FROM (${legacyText(persons)})`, sink),
      sink.with(params),
    );
    const all = sql`SELECT DISTINCT id FROM ${table} WHERE ${ofRun} AND resolved`;
    if (aliases) await execute(this.store, sql`INSERT INTO ${table} (project_id, report_id, run_id, resolved, id, day)
       SELECT DISTINCT ${project.project}, ${report}, ${run}, false, id, toDate(0)
       FROM (${project.idsOfPersons(sql`SELECT id AS person_id FROM (${all})`)})`);
    const raw = render(aliases ? sql`SELECT id FROM ${table} WHERE ${ofRun} AND NOT resolved` : all, sink);
    const padDays = uint32(pad);
    return {
      near: (days) => {
        const resolved = render(sql`SELECT DISTINCT id FROM ${table} WHERE ${ofRun} AND resolved
            AND (day = toDate(0) OR (day >= ${param('Date', days.first)} - ${padDays} AND day <= ${param('Date', days.last)} + ${padDays}))`, sink);
        return { scope: { raw, resolved }, params: sink.with() };
      },
    };
  }

  /** Forgets the scopes of a report's runs (this one's, and any a crashed run left). */
  async dropScopes(key: StateKey): Promise<void> {
    const project = new ProjectScope(this.db, key.projectId);
    const table = project.table('report_scope');
    const runs = await queryRows<{ run_id: string }>(this.store, sql`SELECT DISTINCT run_id FROM ${table} WHERE ${project.guard()} AND report_id = ${str(key.reportId)}`);
    // Dropping a partition is a metadata change; a DELETE would rewrite the rows' parts.
    for (const r of runs) await execute(this.store, sql`ALTER TABLE ${table} DROP PARTITION ${str(r.run_id)}`);
  }
}
