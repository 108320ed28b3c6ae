/**
 * Where the server log goes: standard output, written so that a failing write never takes the
 * process down. pino's default destination emits 'error' on ENOSPC or EPIPE, and with nobody
 * listening that kills the server, so a full disk under a redirected stdout would turn every
 * client's 503 into a refused connection. Here a line that cannot be written is dropped and
 * counted; the server keeps answering.
 */
import { writeSync } from 'node:fs';

export interface LogDestination {
  write(line: string): void;
  /** Lines dropped because the write failed (full disk, closed pipe). */
  dropped(): number;
}

export function safeStdout(fd = 1, write: (fd: number, text: string) => void = (f, t) => void writeSync(f, t)): LogDestination {
  let dropped = 0;
  return {
    write(line: string) {
      try {
        write(fd, line);
      } catch {
        dropped += 1;
      }
    },
    dropped: () => dropped,
  };
}

/** The process's own stdout/stderr streams: an 'error' on them must not be fatal either. */
export function tolerateStdioErrors(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') === 0) stream.on('error', () => undefined);
  }
}
