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
import { idsOfPersonsSql } from '../analyses/event-source.js';
import { PERSON_DAY_COLUMNS } from '../analyses/sessions/sessions-compiler.js';

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

/** Parameters of MINE. */
const MINE_PARAMS = (key: StateKey, days: DayRange) => ({
  st_project: key.projectId,
  st_report: key.reportId,
  st_revision: key.revision,
  st_first: days.first,
  st_last: days.last,
});

const MINE = `project_id = {st_project:String} AND report_id = {st_report:String} AND revision = {st_revision:UInt32}
  AND day >= {st_first:Date} AND day <= {st_last:Date}`;

/** The persons a group of days is recomputed for (null = everyone), with the parameters its SQL binds. */
export type Scope = { readonly scope: PersonScope; readonly params: QueryParams } | null;

/** The persons one run recomputes, by group of days. */
export interface Scopes {
  near(days: DayRange): NonNullable<Scope>;
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
    const cols = PERSON_DAY_COLUMNS.join(', ');
    const params = { ...rows.params, ...(scope?.params ?? {}), ...MINE_PARAMS(key, days), st_version: version };
    await this.store.exec(
      `INSERT INTO ${this.db}.report_session_days (project_id, report_id, revision, version, ${cols})
       SELECT {st_project:String}, {st_report:String}, {st_revision:UInt32}, {st_version:UInt64}, ${cols}
       FROM (${rows.sql})`,
      params,
    );
    // A first run finds no older rows: skip reading the fresh ones back.
    const older = await this.store.query(
      `SELECT 1 FROM ${this.db}.report_session_days WHERE ${MINE} AND version < {st_version:UInt64} LIMIT 1`,
      params,
    );
    if (older.length === 0) return false;
    // Rows whose newest version is older than this run's and still counts sessions; read
    // without FINAL, which would merge the duration lists too.
    await this.store.exec(
      `INSERT INTO ${this.db}.report_session_days (project_id, report_id, revision, version, ${cols})
       SELECT {st_project:String}, {st_report:String}, {st_revision:UInt32}, {st_version:UInt64}, day, person_id, 0, [], 0, 0, 0, 0
       FROM ${this.db}.report_session_days
       WHERE ${MINE} ${scope ? `AND person_id IN (${scope.scope.resolved})` : ''}
       GROUP BY day, person_id
       HAVING max(version) < {st_version:UInt64} AND argMax(sessions, version) > 0`,
      params,
    );
    return true;
  }

  /** The state rows of `days` as a subquery for `dailyFromPersonDays`, with its parameters. */
  current(key: StateKey, days: DayRange, replaced: boolean): StateQuery {
    return {
      sql: `(SELECT * FROM ${this.db}.report_session_days ${replaced ? 'FINAL' : ''} WHERE ${MINE})`,
      params: MINE_PARAMS(key, days),
    };
  }

  /**
   * Evaluates `persons` (SQL with columns person_id and day, over `params`) once for run `runId`
   * and keeps them, and the ids that may resolve to them, in `report_scope`; the run's statements
   * read that small table instead of evaluating the query again. `near(first, last)` is the scope
   * of a group of days: the persons with a new row within `pad` days of them, or on any day.
   * Without alias links (`aliases` false) every id is its own person: the ids are the persons.
   */
  async scope(key: StateKey, runId: string, persons: string, params: QueryParams, pad: number, aliases: boolean): Promise<Scopes> {
    const mine = { sc_project: key.projectId, sc_report: key.reportId, sc_run: runId };
    const where = 'project_id = {sc_project:String} AND report_id = {sc_report:String} AND run_id = {sc_run:String}';
    await this.store.exec(
      `INSERT INTO ${this.db}.report_scope (project_id, report_id, run_id, resolved, id, day)
       SELECT DISTINCT {sc_project:String}, {sc_report:String}, {sc_run:String}, true, person_id, day FROM (${persons})`,
      { ...params, ...mine },
    );
    const all = `SELECT DISTINCT id FROM ${this.db}.report_scope WHERE ${where} AND resolved`;
    if (aliases) await this.store.exec(
      `INSERT INTO ${this.db}.report_scope (project_id, report_id, run_id, resolved, id, day)
       SELECT DISTINCT {sc_project:String}, {sc_report:String}, {sc_run:String}, false, id, toDate(0)
       FROM (${idsOfPersonsSql(this.db, `SELECT id AS person_id FROM (${all})`)})`,
      { project: key.projectId, ...mine },
    );
    const raw = aliases ? `SELECT id FROM ${this.db}.report_scope WHERE ${where} AND NOT resolved` : all;
    return {
      near: (days) => ({
        scope: {
          raw,
          resolved: `SELECT DISTINCT id FROM ${this.db}.report_scope WHERE ${where} AND resolved
            AND (day = toDate(0) OR (day >= {sc_first:Date} - {sc_pad:UInt32} AND day <= {sc_last:Date} + {sc_pad:UInt32}))`,
        },
        params: { ...mine, sc_first: days.first, sc_last: days.last, sc_pad: pad },
      }),
    };
  }

  /** Forgets the scopes of a report's runs (this one's, and any a crashed run left). */
  async dropScopes(key: StateKey): Promise<void> {
    const runs = await this.store.query<{ run_id: string }>(
      `SELECT DISTINCT run_id FROM ${this.db}.report_scope WHERE project_id = {sc_project:String} AND report_id = {sc_report:String}`,
      { sc_project: key.projectId, sc_report: key.reportId },
    );
    // Dropping a partition is a metadata change; a DELETE would rewrite the rows' parts.
    for (const r of runs) await this.store.exec(`ALTER TABLE ${this.db}.report_scope DROP PARTITION {run:String}`, { run: r.run_id });
  }
}
