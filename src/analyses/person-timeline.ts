/**
 * One project's events in person order, persons resolved: what per-person analyses read.
 *
 * The timeline (store/timeline-schema.ts) files each event under its own stored id; the squash
 * (store/timeline-squash.ts) later rewrites a linked id's rows under the person it links to
 * (person_hash/person_id of the target, distinct_hash kept). What is not rewritten yet is
 * applied here at query time, so a merge counts at once. Let
 *
 *   D = the linked ids with a pending override (a link the squash has not handled) or a
 *       fresh-id mark (rows filed under the id since the squash last looked at it), each with
 *       its person now, resolve(d) (its latest link: one hop, as everywhere);
 *   T = { resolve(d) : d in D }.
 *
 * - `inOrder`: rows with person_hash not in T and distinct_hash not in D, read as filed.
 *   Adjacent in the sort key, so a GROUP BY `person` over them streams (`IN_ORDER_SETTINGS`).
 * - `overridden`: the other rows; a row of an id in D is moved to resolve(d), any other keeps
 *   its filed person. Few persons normally; they take a hash GROUP BY.
 *
 * Exact, because:
 * 1. A row whose id is not in D is filed under resolve(id). A row is filed under its own id by
 *    the view (with a mark) or under resolve(id) as a squash run saw it (store/timeline-squash.ts):
 *    the run rewrites every row of the id present at its copy and retires only the override and
 *    mark rows it read before; a later link leaves an override pending, a later row a mark. So an
 *    id with neither pending has all rows under its person now (an unlinked id: itself).
 * 2. Hence `inOrder` rows are resolved as filed, and each is its person's: persons in `inOrder`
 *    are outside T, persons in `overridden` are in T (a moved row's person) or are a row's filed
 *    person that is in T. No person is in both parts, so an analysis groups each part on its
 *    own and adds the results up. A person a pending link takes rows from (an id squashed under
 *    u, then linked to v) need not be in T: those rows leave by their distinct_hash, u's other
 *    rows stay together wherever they are.
 * 3. A run interrupted between its copy and its delete leaves an event twice, both rows of an id
 *    in D (its override or mark is retired only after the delete), both in `overridden`, where
 *    `LIMIT 1 BY event_id` keeps one (event ids are unique per project).
 * After a squash with nothing pending, D is empty: `overridden` is empty and everything streams.
 *
 * Output columns: `person` (UInt64, cityHash64 of the resolved person id), `person_id` (that
 * id), `t` (epoch ms), `event_id`, and the carried columns (TIMELINE_COLUMNS).
 * Bound parameter used: `{project:String}`, as the event source (event-source.ts) does.
 */
import { TIMELINE_COLUMNS } from '../store/timeline-schema.js';
import { legacySql } from './kernel/legacy-text.js';
import { ProjectScope } from './kernel/scope.js';

/** Columns a definition may read on the timeline: anything else takes the events table. */
export function timelineCarries(column: string): boolean {
  return (TIMELINE_COLUMNS as readonly string[]).includes(column);
}

/** GROUP BY on a sort-key prefix reads in key order instead of hashing every person. */
export const IN_ORDER_SETTINGS = 'SETTINGS optimize_aggregation_in_order = 1';

/** The SETTINGS line ending a statement that groups persons from `source` ('' for `events`). */
export function settingsFor(source: 'timeline' | 'events'): string {
  return source === 'timeline' ? `\n  ${IN_ORDER_SETTINGS}` : '';
}

export interface TimelineSources {
  readonly inOrder: string;
  /** null when the project has no identity links: every row is then in `inOrder`. */
  readonly overridden: string | null;
}

const COLUMNS = ['t', 'event_id', ...TIMELINE_COLUMNS].map((c) => `tl.${c} AS ${c}`).join(', ');

/**
 * `where` is SQL over the timeline's columns built from bound placeholders only (a time range,
 * event names), pushed inside each part. `aliases: false` when the caller has seen that the
 * project has no links (event-source.ts projectHasAliases).
 */
export function timelineSources(database: string, where: string, aliases: boolean): TimelineSources {
  // The guards come from the kernel's scope, written `{project:String}` for these text callers.
  const guards = new ProjectScope(database, '');
  const scope = `${legacySql(guards.guard('tl'), guards.project)} AND (${where})`;
  const base = (extra: string) => `SELECT tl.person_hash AS person, tl.person_id AS person_id, ${COLUMNS}
      FROM ${database}.person_timeline AS tl WHERE ${scope}${extra}`;
  if (!aliases) return { inOrder: `(${base('')})`, overridden: null };
  const project = legacySql(guards.guard(), guards.project);
  // D: linked ids with a pending override or a fresh-id mark, with their person now (the same
  // latest-link rule as event-source.ts aliasMapSql, read by primary key for these few ids only).
  const pendingIds = `(SELECT distinct_id FROM ${database}.person_overrides WHERE ${project}
      UNION ALL SELECT distinct_id FROM ${database}.timeline_fresh_ids WHERE ${project})`;
  const links = `(SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM ${database}.person_aliases
      WHERE ${project} AND distinct_id IN ${pendingIds} GROUP BY distinct_id))`;
  const moved = `(SELECT dh FROM ${links})`;
  const targets = `(SELECT ph FROM ${links})`;
  // Where rows of D can be filed: under the id itself or a person it was linked to before.
  const filedUnder = `(SELECT ph FROM ${links} UNION ALL SELECT dh FROM ${links}
      UNION ALL SELECT cityHash64(person_id) FROM ${database}.person_alias_links WHERE ${project} AND distinct_id IN ${pendingIds})`;
  return {
    inOrder: `(${base(` AND tl.person_hash NOT IN ${targets} AND tl.distinct_hash NOT IN ${moved}`)})`,
    // LIMIT 1 BY event_id: a squash interrupted after its copy leaves an event twice, both rows
    // of an id in D, so both here; they resolve alike and one is kept.
    overridden: `(SELECT if(l.person_id != '', l.ph, tl.person_hash) AS person, if(l.person_id != '', l.person_id, tl.person_id) AS person_id, ${COLUMNS}
      FROM ${database}.person_timeline AS tl
      LEFT ANY JOIN ${links} AS l ON l.dh = tl.distinct_hash
      WHERE ${scope} AND tl.person_hash IN ${filedUnder} AND (tl.person_hash IN ${targets} OR tl.distinct_hash IN ${moved})
      LIMIT 1 BY tl.event_id)`,
  };
}

/**
 * A per-person aggregate over both parts: `select` is the SELECT list of one GROUP BY `person`
 * over `rows(part)`, a query over a part (in-order or overridden) producing rows with a
 * `person` column.
 */
export function groupedByPerson(sources: TimelineSources, rows: (part: string) => string, select: string): string {
  const group = (part: string) => `SELECT ${select} FROM (${rows(part)}) GROUP BY person`;
  return sources.overridden === null ? group(sources.inOrder) : `${group(sources.inOrder)}\n    UNION ALL\n    ${group(sources.overridden)}`;
}
