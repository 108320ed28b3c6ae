/**
 * The staged rows as they will be stored: one SELECT that computes every stored column and, per
 * row, the problems that keep it out (`codes`, `errors`). The same query feeds the dry run, the
 * counts checked against max-errors, the events insert (rows without problems) and the
 * quarantine insert (the others), so what is shown, counted and stored cannot disagree.
 *
 * Placeholders left for the caller: `{lo:UInt64}`/`{hi:UInt64}` (row range) and `{project:String}`.
 */
import type { MappingPlan, TimeSource } from './mapping-plan.js';
import type { ImportParams } from './sql-params.js';
import type { Stage } from './stage.js';
import { formatHint, inRangeSql, timestampSql } from './timestamp-sql.js';

const NO_PROBLEMS = `CAST([], 'Array(Tuple(String, String))')`;

/** How to read values out of one staged row, per layout. */
interface RowAccess {
  readonly from: string;
  value(column: string): string;
  readonly structural: string;
  readonly payload: string;
  properties(plan: MappingPlan): string;
}

function positionalAccess(db: string, stage: Stage, names: readonly string[], p: ImportParams): RowAccess {
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
    structural: `multiIf(
      bad != '', [('malformed_row', concat('cannot parse the row: ', bad))],
      cx IS NOT NULL, [('field_count', concat('the row has more fields than the header (', ${fieldCount}, ')'))],
      c${n - 1} IS NULL, [('field_count', concat('the row has fewer fields than the header (', ${fieldCount}, ')'))],
      ${NO_PROBLEMS})`,
    payload: `if(bad != '', raw, toJSONString(mapFromArrays(${p.bind('Array(String)', [...names])}, [${names.map((_, i) => `c${i}`).join(', ')}])))`,
    properties(plan) {
      const chosen = 'only' in plan.properties
        ? plan.properties.only.filter((c) => index.has(c))
        : names.filter((c) => !(plan.properties as { except: readonly string[] }).except.includes(c));
      if (chosen.length === 0) return `CAST(map(), 'Map(String, String)')`;
      const pairs = `arrayFilter(x -> x.2 IS NOT NULL AND x.2 != '', arrayZip(${p.bind('Array(String)', chosen)}, [${chosen.map(cell).join(', ')}]))`;
      return `mapFromArrays(arrayMap(x -> x.1, ${pairs}), arrayMap(x -> assumeNotNull(x.2), ${pairs}))`;
    },
  };
}

function jsonAccess(db: string, stage: Stage, p: ImportParams): RowAccess {
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
    structural: `if(is_object, ${NO_PROBLEMS}, [('not_an_object', 'the line is not a JSON object')])`,
    payload: 'line',
    properties(plan) {
      const list = 'only' in plan.properties ? plan.properties.only : plan.properties.except;
      const keep = 'only' in plan.properties ? 'has' : 'NOT has';
      return `mapFilter((k, v) -> ${keep}(${p.bind('Array(String)', [...list])}, k) AND v != '', m)`;
    },
  };
}

function access(db: string, stage: Stage, p: ImportParams): RowAccess {
  return stage.layout.kind === 'positional' ? positionalAccess(db, stage, stage.layout.names, p) : jsonAccess(db, stage, p);
}

const text = (expr: string) => `nullIf(trimBoth(${expr}), '')`;
const NULL_TEXT = 'CAST(NULL AS Nullable(String))';

/** Events: every column of the events row plus problems, for rows `[lo, hi)`. */
export function mappedEventsSql(db: string, stage: Stage, plan: MappingPlan, importKey: string, p: ImportParams): string {
  const a = access(db, stage, p);
  const column = (c: string | undefined) => (c === undefined ? NULL_TEXT : text(a.value(c)));
  const event = plan.event ?? { value: '' };
  const time: TimeSource = plan.timestamp ?? { value: '' };
  const typed = plan.typed.map(([t, source]) => `ifNull(${a.value(source)}, '') AS t_${t}`);
  const inner = `SELECT row, ${a.payload} AS payload, ${a.structural} AS structural,
      ${column(plan.person)} AS v_user, ${column(plan.anonymous)} AS v_anon, coalesce(v_user, v_anon, '') AS pkey,
      ${'column' in event ? column(event.column) : p.bind('String', event.value)} AS v_event,
      ${'column' in time ? column(time.column) : 'value' in time ? p.bind('String', time.value) : NULL_TEXT} AS v_time_text,
      ${typed.length > 0 ? typed.join(', ') + ',' : ''}
      ${a.properties(plan)} AS properties
    FROM ${a.from}`;
  const middle = 'personProperty' in time
    ? `SELECT s.*, ${text('pp.pp_value')} AS v_time FROM (${inner}) AS s
       LEFT JOIN (
         SELECT person_id AS pp_person, argMax(value, updated_at) AS pp_value FROM ${db}.person_properties
         WHERE project_id = {project:String} AND key = ${p.bind('String', time.personProperty)} GROUP BY person_id
       ) AS pp ON pp.pp_person = s.pkey`
    : `SELECT *, v_time_text AS v_time FROM (${inner})`;

  const source = 'column' in time ? `column "${time.column}"` : 'personProperty' in time ? `person property "${time.personProperty}"` : 'timestamp';
  const missingTime = 'column' in time
    ? `('missing_timestamp', ${p.bind('String', `timestamp column "${time.column}" is empty`)})`
    : 'personProperty' in time
      ? `('missing_person_timestamp', concat('person "', pkey, ${p.bind('String', `" has no property "${time.personProperty}" (import the persons table first)`)}))`
      : `('missing_timestamp', 'no timestamp')`;
  const ids = [plan.person, plan.anonymous].filter((c): c is string => c !== undefined).map((c) => `"${c}"`).join(', ');
  const problems = `arrayFilter(x -> x.1 != '', [
      if(v_user IS NULL AND v_anon IS NULL, ('missing_identity', ${p.bind('String', `no user id or anonymous id (${ids} empty)`)}), ('', '')),
      if(v_event IS NULL, ('missing_event', ${p.bind('String', 'column' in event ? `event column "${event.column}" is empty` : 'no event name')}), ('', '')),
      multiIf(
        v_time IS NULL, ${missingTime},
        timestamp IS NULL, ('invalid_timestamp', concat('cannot read "', v_time, ${p.bind('String', `" from ${source} as ${formatHint(plan.timestampFormat)}`)})),
        NOT ${inRangeSql('timestamp')}, ('invalid_timestamp', concat('"', v_time, ${p.bind('String', `" from ${source} is outside 1900-2299`)})),
        ('', ''))])`;
  return `(
    SELECT row, row + ${stage.layout.lineOffset} AS line_no,
      reinterpretAsUUID(sipHash128(${p.bind('String', importKey)}, row)) AS event_id,
      pkey AS person_id, ifNull(v_anon, '') AS anonymous_id, ifNull(v_user, '') AS user_id, ifNull(v_event, '') AS event,
      ${timestampSql(p, 'v_time', plan.timestampFormat, plan.timezone)} AS timestamp,
      ${plan.typed.map(([t]) => `t_${t} AS ${t}, `).join('')}properties, payload,
      if(notEmpty(structural), structural, ${problems}) AS problems,
      arrayMap(x -> x.1, problems) AS codes, arrayMap(x -> x.2, problems) AS errors
    FROM (${middle})
  )`;
}

/** Person attributes: one row per file row (person, properties, updated_at) plus problems. */
export function mappedPersonsSql(db: string, stage: Stage, plan: MappingPlan, nowMs: number, p: ImportParams): string {
  const a = access(db, stage, p);
  const person = plan.person ?? '';
  const updated = plan.updatedAtColumn;
  const inner = `SELECT row, ${a.payload} AS payload, ${a.structural} AS structural, ${text(a.value(person))} AS v_user,
      ${updated !== undefined ? text(a.value(updated)) : NULL_TEXT} AS v_updated, ${a.properties(plan)} AS properties
    FROM ${a.from}`;
  const updatedAt = updated !== undefined
    ? timestampSql(p, 'v_updated', plan.timestampFormat, plan.timezone)
    : `fromUnixTimestamp64Milli(${p.bind('Int64', nowMs)}, 'UTC')`;
  const problems = `arrayFilter(x -> x.1 != '', [
      if(v_user IS NULL, ('missing_identity', ${p.bind('String', `user id column "${person}" is empty`)}), ('', '')),
      ${updated === undefined ? `('', '')` : `multiIf(
        v_updated IS NULL, ('missing_timestamp', ${p.bind('String', `column "${updated}" is empty`)}),
        updated_at IS NULL OR NOT ${inRangeSql('updated_at')}, ('invalid_timestamp', concat('cannot read "', v_updated, ${p.bind('String', `" from column "${updated}" as ${formatHint(plan.timestampFormat)}`)})),
        ('', ''))`}])`;
  return `(
    SELECT row, row + ${stage.layout.lineOffset} AS line_no, ifNull(v_user, '') AS person_id, properties, payload,
      ${updatedAt} AS updated_at,
      if(notEmpty(structural), structural, ${problems}) AS problems,
      arrayMap(x -> x.1, problems) AS codes, arrayMap(x -> x.2, problems) AS errors
    FROM (${inner})
  )`;
}
