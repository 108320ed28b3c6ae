/**
 * Errors the log raises. Callers branch on the class (the collector maps LogFullError to 503,
 * LogWriteError to 500/503, LogRecordTooLargeError to 413), so each failure mode gets its own.
 */

/** Too many bytes are waiting for the disk; the caller should shed load and retry later. */
export class LogFullError extends Error {
  override readonly name = 'LogFullError';
  constructor(readonly pendingBytes: number, readonly maxPendingBytes: number) {
    super(
      `log is full: ${pendingBytes} bytes are waiting for the disk (limit ${maxPendingBytes}); ` +
        'retry later or raise maxPendingBytes',
    );
  }
}

/** A single record can never be accepted because it is larger than the pending-bytes limit. */
export class LogRecordTooLargeError extends Error {
  override readonly name = 'LogRecordTooLargeError';
  constructor(readonly recordBytes: number, readonly limit: number) {
    super(`record of ${recordBytes} bytes exceeds the log's limit of ${limit} bytes per record`);
  }
}

/** The write or fsync failed: the record is NOT durable and must not be acknowledged. */
export class LogWriteError extends Error {
  override readonly name = 'LogWriteError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The log was closed before (or while) the operation ran. */
export class LogClosedError extends Error {
  override readonly name = 'LogClosedError';
  constructor(operation: string) {
    super(`log is closed; cannot ${operation}`);
  }
}

/** A read asked for a position the log does not hold (deleted, beyond the end, or mid-record). */
export class LogRangeError extends RangeError {
  override readonly name = 'LogRangeError';
}

/** Durable bytes failed validation: disk corruption or a file edited by hand. */
export class LogCorruptError extends Error {
  override readonly name = 'LogCorruptError';
}
