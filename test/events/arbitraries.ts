/** fast-check arbitraries for Segment-shaped messages: mostly plausible, with junk mixed in. */
import fc from 'fast-check';
import { MESSAGE_TYPES } from '../../src/events/segment-schema.js';

/** Values of the wrong kind for nearly every field. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }),
  fc.constant(''),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
);

/** Keys that break naive code: quotes, backslashes, newlines, dots, emoji, prototype names. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom("'", '"', '\\', '\n', '\r\n', '\t', 'a.b', '$.x', '😀', '👩‍👩‍👧', 'ключ', '__proto__', 'constructor', 'toString', '', ' ', '\u0000', '{k0:String}'),
);

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom("it's", 'a"b', 'back\\slash', 'line\nbreak', '🏳️‍🌈', '\u0000nul', ''),
);

const plausibleProps = fc.dictionary(hostileKey, fc.oneof(hostileText, fc.jsonValue({ maxDepth: 2, stringUnit: 'grapheme' })), { maxKeys: 5 });

/** Mostly `good`, sometimes junk, so both row building and every rejection path get exercised. */
function mostly<T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: good, weight: 10 }, { arbitrary: junk, weight: 1 });
}

const id = mostly(fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 1e6 })));
const isoTime = fc
  .date({ min: new Date('1890-01-01T00:00:00Z'), max: new Date('2310-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const recentTime = fc
  .integer({ min: Date.UTC(2024, 0, 8), max: Date.UTC(2024, 0, 12) })
  .map((ms) => new Date(ms).toISOString());
const time = mostly(fc.oneof({ arbitrary: recentTime, weight: 4 }, { arbitrary: isoTime, weight: 1 }));

const userAgents = fc.constantFrom(
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'curl/8.4.0',
);
const url = fc.oneof(fc.webUrl({ withQueryParameters: true }), fc.string({ maxLength: 10 }), junk);

const context = fc.record(
  {
    page: fc.oneof(fc.record({ url, referrer: url, title: fc.oneof(hostileText, junk), path: fc.oneof(fc.string(), junk) }, { requiredKeys: [] }), junk),
    campaign: fc.oneof(fc.record({ source: fc.oneof(fc.string(), junk), medium: fc.constantFrom('cpc', 'email', 'social', ''), name: fc.string() }, { requiredKeys: [] }), junk),
    device: fc.oneof(fc.record({ type: fc.oneof(fc.constantFrom('ios', 'android', 'mobile', 'Tablet'), junk), model: fc.string() }, { requiredKeys: [] }), junk),
    os: fc.oneof(fc.record({ name: fc.oneof(fc.string(), junk) }), junk),
    location: fc.oneof(fc.record({ country: fc.oneof(fc.string(), junk) }), junk),
    userAgent: fc.oneof(userAgents, junk),
    locale: fc.oneof(fc.constantFrom('en-US', 'de-DE'), junk),
    channel: fc.oneof(fc.constantFrom('server', 'browser', 'tv'), junk),
    traits: fc.oneof(plausibleProps, junk),
    library: fc.constant({ name: 'analytics-node', version: '3.1.0' }),
  },
  { requiredKeys: [] },
);

/** A message that is valid often enough to exercise row building, and broken in every way too. */
export const segmentMessage: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    type: mostly(fc.constantFrom(...MESSAGE_TYPES)),
    event: mostly(fc.string({ minLength: 1, maxLength: 10 })),
    name: fc.oneof(hostileText, junk),
    userId: id,
    anonymousId: id,
    previousId: id,
    groupId: id,
    messageId: mostly(fc.oneof(fc.string({ maxLength: 110 }), fc.integer())),
    timestamp: time,
    originalTimestamp: time,
    sentAt: time,
    properties: mostly(plausibleProps),
    traits: mostly(plausibleProps),
    context: mostly(context),
    integrations: mostly(fc.dictionary(fc.string({ maxLength: 6 }), fc.boolean(), { maxKeys: 3 })),
  },
  { requiredKeys: ['type', 'event', 'anonymousId'] },
).map((m) => JSON.parse(JSON.stringify(m)) as Record<string, unknown>);

/** Anything a JSON body can be, plus messages. */
export const anyBody: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), segmentMessage, junk);
