/**
 * The string API funnel and sessions still compile against, written over the kernel's scoped
 * sources (`kernel/scope.ts`), so the project guard and the alias rule exist once. New code uses
 * `ProjectScope` directly; these functions go when funnel and sessions adopt it
 * (docs/architecture.md, "Analysis kernel").
 */
import type { QueryParams, Store } from '../store/store.js';
import { legacySql, legacyText } from './kernel/legacy-text.js';
import { ProjectScope } from './kernel/scope.js';
import { queryRows } from './kernel/run.js';

export interface SqlFragment {
  readonly sql: string;
  readonly params: QueryParams;
}

export interface ResolveOptions {
  /** false when the project has no alias links (`projectHasAliases`): the join is skipped. */
  readonly aliases?: boolean;
}

/** The scope the bridge renders: its project placeholder is always `{project:String}`. */
function bridge(database: string, projectId = ''): ProjectScope {
  return new ProjectScope(database, projectId);
}

function text(scope: ProjectScope, fragment: Parameters<typeof legacySql>[0]): string {
  return legacySql(fragment, scope.project);
}

/**
 * Subquery with the columns of `events` plus the resolved `person_id`; binds `{project:String}`.
 * `extraWhere` is SQL the caller built from its own placeholders (e.g. a time range).
 */
export function resolvedEvents(database: string, projectId: string, extraWhere = '', options: ResolveOptions = {}): SqlFragment {
  const scope = bridge(database, projectId);
  const where = extraWhere ? legacyText(extraWhere) : undefined;
  const events = scope.events({ ...(where ? { where } : {}), persons: options.aliases === false ? 'stored' : 'resolved' });
  return { sql: text(scope, events), params: { project: projectId } };
}

/** Whether the project has any alias link (a primary-key lookup of at most one row). */
export async function projectHasAliases(store: Pick<Store, 'query'>, database: string, projectId: string): Promise<boolean> {
  const rows = await queryRows(store, new ProjectScope(database, projectId).hasAliasesSql());
  return rows.length > 0;
}

/** (distinct_id, person_id): the scope's alias map (the latest link of each aliased id); binds `{project:String}`. */
export function aliasMapSql(database: string): string {
  const scope = bridge(database);
  return text(scope, scope.aliasMap());
}

/** `personProperty` of the scope, the key being the caller's String parameter `keyParam`. */
export function personProperty(database: string, keyParam: string): string {
  const scope = bridge(database);
  return text(scope, scope.personProperty(legacyText(`{${keyParam}:String}`)));
}

/** `personProperties` of the scope, the ids being the caller's Array(String) parameter `idsParam`. */
export function personPropertiesSql(database: string, idsParam: string): string {
  const scope = bridge(database);
  return text(scope, scope.personProperties(legacyText(`{${idsParam}:Array(String)}`)));
}
