/**
 * Timestamp text → instant, in SQL, so a 10M-row file is parsed at engine speed. Every form is
 * recognised by its shape first and parsed second: the engine's best-effort parser alone would
 * read `13` as "the 13th of this month" and `01/02/2024` as 1 February, silently.
 */
import { ISO_TIMESTAMP, type TimestampFormat } from './import-spec.js';
import type { NumberedParams } from '../analyses/kernel/sql.js';

/**
 * Instants outside this range are quarantined (`timestamp_out_of_range`), as on ingest. The lower
 * end is the Unix epoch: analyses pass epoch milliseconds as UInt64 (windowFunnel), where an
 * earlier time would wrap around to a huge one; the upper end is the end of the stored type's
 * range (DateTime64 reaches 2299-12-31).
 */
export const MIN_TIMESTAMP = '1970-01-01 00:00:00';
export const MAX_TIMESTAMP_EXCLUSIVE = '2300-01-01 00:00:00';
/** The range in words, for messages. */
export const TIMESTAMP_RANGE_TEXT = '1970-01-01T00:00:00Z to 2299-12-31T23:59:59.999Z';

const EPOCH_SECONDS_AUTO = '^[0-9]{9,10}([.][0-9]{1,9})?$';
const EPOCH_MILLIS_AUTO = '^[0-9]{12,13}$';
const EPOCH_SECONDS = '^-?[0-9]{1,12}([.][0-9]{1,9})?$';
const EPOCH_MILLIS = '^-?[0-9]{1,15}$';

/**
 * `Nullable(DateTime64(3, 'UTC'))` from `column` (an alias holding trimmed text or NULL): NULL
 * when the text is absent or not of the given form. Text without an offset is read in `timezone`.
 */
export function timestampSql(params: NumberedParams, column: string, format: TimestampFormat, timezone: string): string {
  const tz = params.bind('String', timezone);
  const utc = (expr: string) => `toTimeZone(${expr}, 'UTC')`;
  const bestEffort = utc(`parseDateTime64BestEffortOrNull(${column}, 3, ${tz})`);
  // Seconds keep up to millisecond fractions; the text is digits only, checked by the pattern first.
  const seconds = utc(`toDateTime64(toDecimal64OrNull(substring(${column}, 1, position(${column} || '.', '.') + 3), 3), 3, 'UTC')`);
  const millis = utc(`fromUnixTimestamp64Milli(toInt64OrNull(${column}), 'UTC')`);
  const shape = (pattern: string) => `match(${column}, ${params.bind('String', pattern)})`;
  switch (format) {
    case 'auto':
      return `multiIf(${shape(ISO_TIMESTAMP)}, ${bestEffort}, ${shape(EPOCH_SECONDS_AUTO)}, ${seconds}, ${shape(EPOCH_MILLIS_AUTO)}, ${millis}, NULL)`;
    case 'iso':
      return `if(${shape(ISO_TIMESTAMP)}, ${bestEffort}, NULL)`;
    case 'epoch_s':
      return `if(${shape(EPOCH_SECONDS)}, ${seconds}, NULL)`;
    case 'epoch_ms':
      return `if(${shape(EPOCH_MILLIS)}, ${millis}, NULL)`;
    case 'best_effort':
      return bestEffort;
    case 'us':
      return utc(`parseDateTime64BestEffortUSOrNull(${column}, 3, ${tz})`);
  }
}

/** True when `instant` (a DateTime64 expression) lies in the storable range. */
export function inRangeSql(instant: string): string {
  return `(${instant} >= toDateTime64('${MIN_TIMESTAMP}', 3, 'UTC') AND ${instant} < toDateTime64('${MAX_TIMESTAMP_EXCLUSIVE}', 3, 'UTC'))`;
}

/** What each format accepts, for error messages. */
export function formatHint(format: TimestampFormat): string {
  switch (format) {
    case 'auto':
      return 'ISO 8601 (2024-01-31, 2024-01-31 13:45:00, 2024-01-31T13:45:00-04:00) or epoch seconds/milliseconds';
    case 'iso':
      return 'ISO 8601 (2024-01-31, 2024-01-31 13:45:00, 2024-01-31T13:45:00-04:00)';
    case 'epoch_s':
      return 'epoch seconds';
    case 'epoch_ms':
      return 'epoch milliseconds';
    case 'best_effort':
      return 'a date or date-time (day before month)';
    case 'us':
      return 'a date or date-time (month before day)';
  }
}
