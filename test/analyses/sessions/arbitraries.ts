/**
 * Random event logs for the property tests: per-person runs of gaps chosen around the timeout
 * (equal timestamps, exactly the timeout, one millisecond either side, long breaks), started near
 * DST changes and local midnights, with hostile strings everywhere a user can put text.
 */
import fc from 'fast-check';
import type { RefEvent } from '../../../src/analyses/sessions/reference-sessionize.js';

export const TIMEZONES = ['America/New_York', 'Europe/Berlin', 'UTC', 'Asia/Kolkata'] as const;

// DST changes and midnights: New York spring forward / fall back, Berlin the same, a plain day.
const ANCHORS = [
  Date.parse('2024-03-10T07:00:00Z'),
  Date.parse('2024-11-03T06:00:00Z'),
  Date.parse('2024-03-31T01:00:00Z'),
  Date.parse('2024-10-27T01:00:00Z'),
  Date.parse('2024-06-01T03:59:00Z'),
];

export const hostile = fc.constantFrom('', 'a', "o'hara", 'back\\slash', 'quote"d', 'new\nline', '😀', 'dot.ted', 'ü', '\u0000nul', '{"json":1}');
export const text = fc.oneof(hostile, fc.string({ unit: 'grapheme', maxLength: 4 }));

export interface LogShape {
  readonly timeoutMs: number;
  readonly eventNames: readonly string[];
}

/** A gap to the previous event of the same person. */
function gap(timeoutMs: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constant(0),
    fc.constant(timeoutMs),
    fc.constant(timeoutMs + 1),
    fc.constant(Math.max(0, timeoutMs - 1)),
    fc.integer({ min: 0, max: timeoutMs }),
    fc.integer({ min: 0, max: 12 * 3_600_000 }),
  );
}

export function eventLog(shape: LogShape, properties: fc.Arbitrary<Record<string, string>> = fc.constant({})): fc.Arbitrary<RefEvent[]> {
  const person = fc.record({
    personId: text,
    anchor: fc.constantFrom(...ANCHORS),
    offset: fc.integer({ min: -30 * 3_600_000, max: 30 * 3_600_000 }),
    steps: fc.array(
      fc.record({
        gap: gap(shape.timeoutMs),
        id: fc.uuid(),
        type: fc.constantFrom('track', 'track', 'track', 'page', 'screen', 'identify'),
        event: fc.constantFrom(...shape.eventNames),
        channel: fc.constantFrom('', '', 'direct', 'push', "o'hara"),
        utmCampaign: fc.constantFrom('', '', '', 'spring', 'ü"\n'),
        pagePath: fc.constantFrom('', '/home', '/map', "/it's"),
        deviceType: fc.constantFrom('', 'mobile', 'tablet'),
        properties,
      }),
      { minLength: 1, maxLength: 12 },
    ),
  });
  return fc.array(person, { minLength: 1, maxLength: 6 }).map((persons) => {
    const seen = new Set<string>();
    const out: RefEvent[] = [];
    for (const p of persons) {
      let t = p.anchor + p.offset;
      for (const s of p.steps) {
        t += s.gap;
        if (seen.has(s.id)) continue;
        seen.add(s.id);
        const { gap: _gap, id, ...rest } = s;
        out.push({ ...rest, eventId: id, personId: p.personId, timestampMs: t });
      }
    }
    return out;
  });
}

/** Timeouts from a millisecond to an hour, biased to a few round values. */
export const timeoutMs = fc.oneof(fc.constantFrom(1, 1_000, 60_000, 15 * 60_000, 30 * 60_000), fc.integer({ min: 1, max: 3_600_000 }));

/** A reported date range near the anchors, or none. */
export const range = fc.option(
  fc.tuple(fc.constantFrom('2024-03-09', '2024-03-10', '2024-03-11', '2024-03-31', '2024-10-27', '2024-11-02', '2024-11-03', '2024-06-01'), fc.integer({ min: 0, max: 2 })),
  { nil: undefined },
);
