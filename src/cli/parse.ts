/** Flag value parsers that fail with a message naming the flag's expectation. */
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string, _prev?: unknown, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new InvalidArgumentError(`expected a whole number${allowZero ? '' : ' above 0'}, got "${value}"`);
  }
  return n;
}
