/**
 * Which insert failures are about the rows (the engine will refuse them however often they are
 * sent) and which are about the moment (disk, memory, merges falling behind). The loader
 * isolates the rows of the first kind into the quarantine and retries the second kind with
 * backoff, so one bad record never stops loading and a full disk never loses a record.
 */

export type EngineErrorKind = 'data' | 'transient' | 'unknown';

/** Error codes the engine raises while reading or converting the inserted rows. */
const DATA_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE (a lone surrogate escape)
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  62, // SYNTAX_ERROR
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  190, // SIZES_OF_ARRAYS_DONT_MATCH
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  407, // DECIMAL_OVERFLOW
  467, // CANNOT_PARSE_BOOL
]);

/** Error codes that say nothing about the rows: the same insert can succeed later. */
const TRANSIENT_CODES = new Set([
  74, // CANNOT_READ_FROM_FILE_DESCRIPTOR
  75, // CANNOT_WRITE_TO_FILE_DESCRIPTOR
  76, // CANNOT_OPEN_FILE
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  243, // NOT_ENOUGH_SPACE
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  473, // DEADLOCK_AVOIDED
  1000, // POCO_EXCEPTION (I/O)
]);

/** `Code: 252. DB::Exception: …` → 252. */
export function engineErrorCode(err: unknown): number | undefined {
  const text = err instanceof Error ? err.message : String(err);
  const m = /Code: (\d+)\./.exec(text);
  return m ? Number(m[1]) : undefined;
}

export function classifyInsertError(err: unknown): EngineErrorKind {
  const text = err instanceof Error ? err.message : String(err);
  if (/ENOSPC|ENOMEM|EMFILE|EIO\b|no space left/i.test(text)) return 'transient';
  const code = engineErrorCode(err);
  if (code === undefined) return 'unknown';
  // 252 is TOO_MANY_PARTS for two reasons. "Too many partitions for single INSERT block" is about
  // the rows (smaller inserts succeed); "Too many parts" means merges fall behind, which passes.
  if (code === 252) return /partitions for single INSERT block/i.test(text) ? 'data' : 'transient';
  if (DATA_CODES.has(code)) return 'data';
  if (TRANSIENT_CODES.has(code)) return 'transient';
  return 'unknown';
}

/** The engine's message without its stack trace: what the quarantine shows a person. */
export function engineReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? text).slice(0, 2000);
}
