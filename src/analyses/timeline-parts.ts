/**
 * The person timeline (person-timeline.ts) for compilers on the kernel (paths, retention): its
 * two parts as fragments, so their parameters bind through the one `compile` path.
 *
 * person-timeline.ts writes SQL text for the funnel, with `{project:String}` as the project's
 * placeholder. The override logic (which rows a link touches, how a row's person is looked up)
 * must exist once, so this module does not copy it: it asks that module for the text with a
 * marker where the condition goes, and lifts the text into a fragment whose slots are the
 * caller's condition and the scope's project parameter. Nothing but those two placeholders may
 * appear in the text; anything else is refused, so no value can travel unbound.
 *
 * @example
 *   const parts = timelineParts(scope, sql`event = ${str('view')}`, true);
 *   const q = compile(sql`${eachPart(parts, (p) => sql`SELECT person, count() AS n FROM ${p} GROUP BY person`)} ${IN_ORDER}`);
 */
import type { Store } from '../store/store.js';
import { queryRows } from './kernel/run.js';
import type { ProjectScope } from './kernel/scope.js';
import { int64, join, param, sql, TRUE, type Fragment, type Param, type Slot } from './kernel/sql.js';
import type { Filter } from './shared/filters.js';
import { IN_ORDER_SETTINGS, timelineCarries, timelineSources } from './person-timeline.js';

/** Where an analysis reads each person's events from. `events` is the old path and the benchmark's baseline. */
export type RowSource = 'timeline' | 'events';

export interface TimelineParts {
  /** Rows of persons no identity link touches; a GROUP BY `person` over them streams in key order. */
  readonly inOrder: Fragment;
  /** Rows of linked persons with their person resolved; null when the caller saw no links. */
  readonly overridden: Fragment | null;
}

const WHERE_MARK = '{timeline_where:Marker}';
const PROJECT_MARK = '{project:String}';
const MARKS = /(\{timeline_where:Marker\}|\{project:String\})/;

/** The text's two placeholders become slots; any other placeholder is an error (a value would go unbound). */
function lift(text: string, where: Fragment, project: Param): Fragment {
  const pieces = text.split(MARKS);
  const strings: string[] = [];
  const slots: Slot[] = [];
  pieces.forEach((piece, i) => {
    if (i % 2 === 1) slots.push(piece === WHERE_MARK ? where : project);
    else if (/\{[A-Za-z_][A-Za-z0-9_]*:/.test(piece)) throw new Error('person timeline SQL has a placeholder this bridge cannot bind');
    else strings.push(piece);
  });
  return Object.freeze({ kind: 'fragment', strings: Object.freeze(strings), slots: Object.freeze(slots) });
}

/**
 * Both parts of the project's timeline, `where` (over the timeline's columns: `t`, `event`,
 * `type`, the carried ones) pushed inside each. `aliases: false` when the caller has seen that the
 * project has no identity links (`scope.hasAliasesSql()`): every row is then in `inOrder`.
 */
export function timelineParts(scope: ProjectScope, where: Fragment, aliases: boolean): TimelineParts {
  const text = timelineSources(scope.database, WHERE_MARK, aliases);
  if (!text.inOrder.includes(PROJECT_MARK)) throw new Error('person timeline SQL no longer guards the project as {project:String}');
  return {
    inOrder: lift(text.inOrder, where, scope.project),
    overridden: text.overridden === null ? null : lift(text.overridden, where, scope.project),
  };
}

/**
 * One query per part, `group(part)` being a SELECT … FROM part … GROUP BY person, added up with
 * UNION ALL: the parts never share a person, so the per-person rows are exact.
 */
export function eachPart(parts: TimelineParts, group: (part: Fragment) => Fragment): Fragment {
  const groups = [parts.inOrder, ...(parts.overridden === null ? [] : [parts.overridden])].map((p) => sql`${group(p)}`);
  return join(groups, ' UNION ALL ');
}

/** The settings that make a GROUP BY on the sort-key prefix `person` stream (end of the statement). */
export const IN_ORDER: Fragment = lift(IN_ORDER_SETTINGS, TRUE, param('String', ''));

/** `t` (epoch ms) in [fromMs, toMs); a null bound is open. */
export function msRange(fromMs: number | null, toMs: number | null): Fragment {
  const conds = [
    ...(fromMs === null ? [] : [sql`t >= ${int64(fromMs)}`]),
    ...(toMs === null ? [] : [sql`t < ${int64(toMs)}`]),
  ];
  return conds.length === 0 ? TRUE : join(conds, ' AND ');
}

/** Whether the timeline holds what these filters read: person properties and the typed columns it carries. */
export function timelineServesFilters(filters: readonly Filter[]): boolean {
  return filters.every((f) => f.source === 'person' || (f.source === 'column' && timelineCarries(f.property)));
}

/**
 * Whether the timeline read needs its overridden part: false when the project has no identity
 * link, which saves the link lookups on every row. One primary-key lookup of at most one row.
 */
export async function projectLinks(store: Pick<Store, 'query'>, scope: ProjectScope): Promise<boolean> {
  return (await queryRows(store, scope.hasAliasesSql())).length > 0;
}
