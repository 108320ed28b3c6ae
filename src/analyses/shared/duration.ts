/** Durations written the way people say them: `90s`, `30m`, `4h`, `7d`, `2w`. */
import { z } from 'zod';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const PATTERN = /^([1-9][0-9]{0,6})(s|m|h|d|w)$/;

/** Milliseconds of a duration text, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/**
 * zod schema: a duration text between `minMs` and `maxMs` inclusive. It stays text in the parsed
 * definition (so a parsed definition validates again unchanged); runners call `parseDuration`.
 */
export function durationSchema(minMs: number, maxMs: number): z.ZodType<string> {
  return z.string().superRefine((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration like 90s, 30m, 4h, 7d or 2w' });
    } else if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be between ${minMs / 1000}s and ${maxMs / 1000}s` });
    }
  });
}

/** Milliseconds of a duration the schema already accepted. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`invalid duration "${text}"`);
  return ms;
}
