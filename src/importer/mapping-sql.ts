/**
 * The staged rows as they will be stored: one SELECT that computes every stored column and, per
 * row, what keeps it out: `problem` (the first problem's code, '' for a row to store) and
 * `codes`/`errors` (all of them, with messages naming columns and values). The same query feeds
 * the dry run, the counts checked against max-errors, the events insert and the quarantine
 * insert, so what is shown, counted and stored cannot disagree. The messages are only computed
 * where a query reads them (the engine drops unused columns of a subquery), so a clean row costs
 * one multiIf.
 *
 * Placeholders left for the caller: `{lo:UInt64}`/`{hi:UInt64}` (row range) and `{project:String}`.
 */
import type { MappingPlan, TimeSource } from './mapping-plan.js';
import { legacySql } from '../analyses/kernel/legacy-text.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { sql, str, type NumberedParams } from '../analyses/kernel/sql.js';
import type { Stage } from './stage.js';
import { formatHint, inRangeSql, TIMESTAMP_RANGE_TEXT, timestampSql } from './timestamp-sql.js';

/** One reason a row is not stored: a code, the SQL condition, and the SQL message text. */
interface Problem {
  readonly code: string;
  readonly when: string;
  readonly message: string;
}

/** How to read values out of one staged row, per layout. */
interface RowAccess {
  readonly from: string;
  value(column: string): string;
  /** Problems with the row as a whole; a row with one has no other problem reported. */
  readonly structural: readonly Problem[];
  readonly payload: string;
  properties(plan: MappingPlan): string;
}

/**
 * Settings for every query over the mapped rows. Every branch of every if/multiIf here is total
 * (OrNull parsers, JSON functions that return defaults, no function that throws), so the engine
 * may evaluate all branches vectorised instead of masking rows branch by branch, which halves the
 * time of the check and store steps on the import benchmark.
 */
export const MAPPED_SETTINGS = `short_circuit_function_evaluation = 'disable'`;

const EMPTY_MAP = `CAST(map(), 'Map(String, String)')`;

function positionalAccess(db: string, stage: Stage, names: readonly string[], p: NumberedParams): RowAccess {
  const index = new Map(names.map((n, i) => [n, i]));
  const cell = (column: string) => {
    const i = index.get(column);
    return i === undefined ? 'CAST(NULL AS Nullable(String))' : `c${i}`;
  };
  const n = names.length;
  const fieldCount = p.bind('String', String(n));
  return {
    from: `${db}.${stage.table} WHERE row >= {lo:UInt64} AND row < {hi:UInt64}`,
    value: cell,
    structural: [
      { code: 'malformed_row', when: `bad != ''`, message: `concat('cannot parse the row: ', bad)` },
      { code: 'field_count', when: 'cx IS NOT NULL', message: `concat('the row has more fields than the header (', ${fieldCount}, ')')` },
      { code: 'field_count', when: `c${n - 1} IS NULL`, message: `concat('the row has fewer fields than the header (', ${fieldCount}, ')')` },
    ],
    payload: `if(bad != '', raw, toJSONString(mapFromArrays(${p.bind('Array(String)', [...names])}, [${names.map((_, i) => `c${i}`).join(', ')}])))`,
    properties(plan) {
      const chosen = 'only' in plan.properties
        ? plan.properties.only.filter((c) => index.has(c))
        : names.filter((c) => !(plan.properties as { except: readonly string[] }).except.includes(c));
      if (chosen.length === 0) return EMPTY_MAP;
      return `mapFilter((k, v) -> v != '', map(${chosen.map((c) => `${p.bind('String', c)}, ifNull(${cell(c)}, '')`).join(', ')}))`;
    },
  };
}

function jsonAccess(db: string, stage: Stage, p: NumberedParams): RowAccess {
  // Values are stored as on ingest: strings unquoted, numbers/booleans as written, objects and
  // arrays as JSON text; null means absent.
  const parsed = `(
    SELECT row, line,
      isValidJSON(line) AND JSONType(line) = 'Object' AS is_object,
      arrayFilter(x -> x.2 != 'null', if(is_object, JSONExtractKeysAndValuesRaw(line), [])) AS kv,
      mapFromArrays(arrayMap(x -> x.1, kv), arrayMap(x -> if(startsWith(x.2, '"'), JSONExtractString(x.2), x.2), kv)) AS m
    FROM ${db}.${stage.table}
    WHERE row >= {lo:UInt64} AND row < {hi:UInt64} AND notEmpty(trimBoth(line)))`;
  return {
    from: parsed,
    value(column) {
      const key = p.bind('String', column);
      return `if(mapContains(m, ${key}), m[${key}], NULL)`;
    },
    structural: [{ code: 'not_an_object', when: 'NOT is_object', message: `'the line is not a JSON object'` }],
    payload: 'line',
    properties(plan) {
      const list = 'only' in plan.properties ? plan.properties.only : plan.properties.except;
      const keep = 'only' in plan.properties ? 'has' : 'NOT has';
      return `mapFilter((k, v) -> ${keep}(${p.bind('Array(String)', [...list])}, k) AND v != '', m)`;
    },
  };
}

function access(db: string, stage: Stage, p: NumberedParams): RowAccess {
  return stage.layout.kind === 'positional' ? positionalAccess(db, stage, stage.layout.names, p) : jsonAccess(db, stage, p);
}

/** The first structural problem of a row as (s_code, s_message), '' when there is none. */
function structuralColumns(structural: readonly Problem[]): string {
  return `multiIf(${structural.map((x) => `${x.when}, '${x.code}'`).join(', ')}, '') AS s_code,
      multiIf(${structural.map((x) => `${x.when}, ${x.message}`).join(', ')}, '') AS s_message`;
}

/** `problem`, `codes` and `errors`: a structural problem alone, else every failed check in order. */
function problemColumns(checks: readonly Problem[]): string {
  const all = `arrayFilter(x -> x.1 != '', [${checks.map((x) => `if(${x.when}, ('${x.code}', ${x.message}), ('', ''))`).join(', ')}])`;
  return `if(s_code != '', s_code, multiIf(${checks.map((x) => `${x.when}, '${x.code}'`).join(', ')}, '')) AS problem,
      if(s_code != '', [(s_code, s_message)], ${all}) AS problems,
      arrayMap(x -> x.1, problems) AS codes, arrayMap(x -> x.2, problems) AS errors`;
}

/**
 * `"1969-12-31 23:00" from column "ts" is 1969-12-31T23:00:00.000Z, outside ...`: the text, the
 * instant it was read as (a zone or an epoch unit may be the mistake), and the range.
 */
function outOfRangeMessage(p: NumberedParams, textColumn: string, instant: string, source: string): string {
  return `concat('"', ${textColumn}, ${p.bind('String', `" from ${source} is `)}, replaceOne(toString(${instant}), ' ', 'T'), ${p.bind('String', `Z, outside the times events can have (${TIMESTAMP_RANGE_TEXT}); correct the value or its format, or leave the row out`)})`;
}

const text = (expr: string) => `nullIf(trimBoth(${expr}), '')`;
const NULL_TEXT = 'CAST(NULL AS Nullable(String))';

/**
 * The id of row `row` of an import: the import key's first 8 bytes, then the row number. Unique
 * within an import, distinct between imports, and the same whenever the same import runs again.
 */
export function eventIdSql(p: NumberedParams, importKey: string, row: string): string {
  const prefix = p.bind('UInt64', BigInt(`0x${importKey.slice(0, 16).padEnd(16, '0')}`));
  return `reinterpretAsUUID(concat(reinterpretAsFixedString(${prefix}), reinterpretAsFixedString(toUInt64(${row}))))`;
}

/**
 * The latest value of a person property under the stored person id (the file names stored ids,
 * so no alias resolution), the project guard from the kernel's scope as `{project:String}`.
 */
function storedPersonProperty(db: string, key: string, p: NumberedParams): string {
  const scope = new ProjectScope(db, '');
  return legacySql(sql`SELECT person_id AS pp_person, argMax(value, updated_at) AS pp_value FROM ${scope.table('person_properties')}
         WHERE ${scope.guard()} AND key = ${str(key)} GROUP BY person_id`, scope.project, p);
}

/** Events: every column of the events row plus problems, for rows `[lo, hi)`. */
export function mappedEventsSql(db: string, stage: Stage, plan: MappingPlan, importKey: string, p: NumberedParams): string {
  const a = access(db, stage, p);
  const column = (c: string | undefined) => (c === undefined ? NULL_TEXT : text(a.value(c)));
  const event = plan.event ?? { value: '' };
  const time: TimeSource = plan.timestamp ?? { value: '' };
  const typed = plan.typed.map(([t, source]) => `ifNull(${a.value(source)}, '') AS t_${t}`);
  const inner = `SELECT row, ${a.payload} AS payload, ${structuralColumns(a.structural)},
      ${column(plan.person)} AS v_user, ${column(plan.anonymous)} AS v_anon, coalesce(v_user, v_anon, '') AS pkey,
      ${'column' in event ? column(event.column) : p.bind('String', event.value)} AS v_event,
      ${'column' in time ? column(time.column) : 'value' in time ? p.bind('String', time.value) : NULL_TEXT} AS v_time_text,
      ${typed.length > 0 ? typed.join(', ') + ',' : ''}
      ${a.properties(plan)} AS properties
    FROM ${a.from}`;
  const middle = 'personProperty' in time
    ? `SELECT s.*, ${text('pp.pp_value')} AS v_time FROM (${inner}) AS s
       LEFT JOIN (
         ${storedPersonProperty(db, time.personProperty, p)}
       ) AS pp ON pp.pp_person = s.pkey`
    : `SELECT *, v_time_text AS v_time FROM (${inner})`;

  const source = 'column' in time ? `column "${time.column}"` : 'personProperty' in time ? `person property "${time.personProperty}"` : 'timestamp';
  const ids = [plan.person, plan.anonymous].filter((c): c is string => c !== undefined).map((c) => `"${c}"`).join(', ');
  const checks: Problem[] = [
    { code: 'missing_identity', when: 'v_user IS NULL AND v_anon IS NULL', message: p.bind('String', `no user id or anonymous id (${ids} empty)`) },
    { code: 'missing_event', when: 'v_event IS NULL', message: p.bind('String', 'column' in event ? `event column "${event.column}" is empty` : 'no event name') },
    'personProperty' in time
      ? { code: 'missing_person_timestamp', when: 'v_time IS NULL', message: `concat('person "', pkey, ${p.bind('String', `" has no property "${time.personProperty}" (import the persons table first)`)})` }
      : { code: 'missing_timestamp', when: 'v_time IS NULL', message: p.bind('String', 'column' in time ? `timestamp column "${time.column}" is empty` : 'no timestamp') },
    { code: 'invalid_timestamp', when: 'v_time IS NOT NULL AND timestamp IS NULL', message: `concat('cannot read "', v_time, ${p.bind('String', `" from ${source} as ${formatHint(plan.timestampFormat)}`)})` },
    { code: 'timestamp_out_of_range', when: `timestamp IS NOT NULL AND NOT ${inRangeSql('timestamp')}`, message: outOfRangeMessage(p, 'v_time', 'timestamp', source) },
  ];
  return `(
    SELECT row, row + ${stage.layout.lineOffset} AS line_no,
      ${eventIdSql(p, importKey, 'row')} AS event_id,
      pkey AS person_id, ifNull(v_anon, '') AS anonymous_id, ifNull(v_user, '') AS user_id, ifNull(v_event, '') AS event,
      ${timestampSql(p, 'v_time', plan.timestampFormat, plan.timezone)} AS timestamp,
      ${plan.typed.map(([t]) => `t_${t} AS ${t}, `).join('')}properties, payload,
      ${problemColumns(checks)}
    FROM (${middle})
  )`;
}

/** Person attributes: one row per file row (person, properties, updated_at) plus problems. */
export function mappedPersonsSql(db: string, stage: Stage, plan: MappingPlan, nowMs: number, p: NumberedParams): string {
  const a = access(db, stage, p);
  const person = plan.person ?? '';
  const updated = plan.updatedAtColumn;
  const inner = `SELECT row, ${a.payload} AS payload, ${structuralColumns(a.structural)}, ${text(a.value(person))} AS v_user,
      ${updated !== undefined ? text(a.value(updated)) : NULL_TEXT} AS v_updated, ${a.properties(plan)} AS properties
    FROM ${a.from}`;
  const updatedAt = updated !== undefined
    ? timestampSql(p, 'v_updated', plan.timestampFormat, plan.timezone)
    : `fromUnixTimestamp64Milli(${p.bind('Int64', nowMs)}, 'UTC')`;
  const checks: Problem[] = [{ code: 'missing_identity', when: 'v_user IS NULL', message: p.bind('String', `user id column "${person}" is empty`) }];
  if (updated !== undefined) {
    checks.push(
      { code: 'missing_timestamp', when: 'v_updated IS NULL', message: p.bind('String', `column "${updated}" is empty`) },
      {
        code: 'invalid_timestamp',
        when: `v_updated IS NOT NULL AND updated_at IS NULL`,
        message: `concat('cannot read "', v_updated, ${p.bind('String', `" from column "${updated}" as ${formatHint(plan.timestampFormat)}`)})`,
      },
      {
        code: 'timestamp_out_of_range',
        when: `updated_at IS NOT NULL AND NOT ${inRangeSql('updated_at')}`,
        message: outOfRangeMessage(p, 'v_updated', 'updated_at', `column "${updated}"`),
      },
    );
  }
  return `(
    SELECT row, row + ${stage.layout.lineOffset} AS line_no, ifNull(v_user, '') AS person_id, properties, payload,
      ${updatedAt} AS updated_at,
      ${problemColumns(checks)}
    FROM (${inner})
  )`;
}
