/**
 * Hostile request bodies for the collector: each is raw JSON text (or not JSON at all), built
 * from Segment-shaped messages with the inputs that broke ingest before: lone surrogates,
 * control characters, 100 KB names, 10,000-key maps, deep nesting, integers beyond 2^53,
 * NaN/Infinity spellings, timestamps from year 1 to 9999, wrong types, repeated messageIds.
 */
import fc from 'fast-check';

export interface FuzzRequest {
  readonly path: '/v1/track' | '/v1/batch';
  readonly body: string;
}

// JSON.stringify writes a lone surrogate as a `\udXXX` escape: exactly the text a hostile SDK sends.
const lone = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', 'a\ud800b', '\ud83d', '\ude00x');
const text = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 16 }), weight: 4 },
  { arbitrary: lone, weight: 2 },
  { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)), maxLength: 6 }), weight: 1 },
  { arbitrary: fc.constantFrom('😀', '👩‍👩‍👧', "it's", 'a"b', 'back\\slash', '{p0:String}', "'); DROP TABLE events; --", '__proto__'), weight: 1 },
);

const year = fc.integer({ min: 1, max: 9999 });
const timestamp = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 4 },
  year.map((y) => `${String(y).padStart(4, '0')}-06-15T12:00:00Z`),
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }).map((ms) => new Date(ms).toISOString()),
  fc.constantFrom('1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z', '2299-12-31T23:59:59.999Z', '2300-01-01T00:00:00Z', 'not a date', ''),
  fc.integer(),
);

// Placeholders replaced in the JSON text by what JSON.stringify cannot write.
const RAW = { big: '"@@BIG@@"', nan: '"@@NAN@@"', deep: '"@@DEEP@@"' };

const value: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: text, weight: 4 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
  { arbitrary: fc.constantFrom('@@BIG@@', '@@DEEP@@'), weight: 1 },
);

const properties = fc.oneof(
  { arbitrary: fc.dictionary(text, value, { maxKeys: 6 }), weight: 8 },
  { arbitrary: fc.constant('@@HUGE_MAP@@'), weight: 1 },
  { arbitrary: fc.constantFrom([], 'x', 7), weight: 1 },
);

const messageId = fc.oneof(fc.constantFrom('dup-1', 'dup-2', 'dup-3'), fc.uuid(), text, fc.constant(undefined));

const message = fc.record(
  {
    type: fc.oneof({ arbitrary: fc.constantFrom('track', 'page', 'screen', 'identify', 'alias', 'group'), weight: 9 }, { arbitrary: fc.constantFrom('TRACK', 'nope', 3), weight: 1 }),
    event: fc.oneof({ arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((e) => e.trim() !== ''), weight: 8 }, { arbitrary: text, weight: 3 }, { arbitrary: fc.constant('@@HUGE_NAME@@'), weight: 1 }, { arbitrary: fc.constant(3), weight: 1 }),
    userId: fc.oneof({ arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }), weight: 6 }, text, fc.integer(), fc.constant(undefined)),
    anonymousId: fc.oneof(text, fc.constant(undefined)),
    previousId: fc.option(text, { nil: undefined }),
    groupId: fc.option(text, { nil: undefined }),
    messageId,
    timestamp,
    sentAt: fc.option(timestamp, { nil: undefined }),
    properties,
    traits: fc.option(fc.dictionary(text, value, { maxKeys: 3 }), { nil: undefined }),
    context: fc.option(fc.record({ page: fc.record({ url: text, path: text }), userAgent: text, locale: text }, { requiredKeys: [] }), { nil: undefined }),
  },
  { requiredKeys: ['type'] },
);

function render(json: string, depth: number, nan: string): string {
  return json
    .replaceAll('"@@HUGE_NAME@@"', JSON.stringify('n'.repeat(100_000)))
    .replaceAll('"@@HUGE_MAP@@"', JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]))))
    .replaceAll(RAW.big, '123456789012345678901234567890')
    .replaceAll(RAW.deep, `${'['.repeat(depth)}1${']'.repeat(depth)}`)
    .replaceAll(RAW.nan, nan);
}

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    batch: fc.boolean(),
    messages: fc.array(message, { minLength: 1, maxLength: 8 }),
    depth: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(20_000, 64, 65)),
    nan: fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999'),
    spoilJson: fc.integer({ min: 0, max: 19 }),
  })
  .map(({ batch, messages, depth, nan, spoilJson }) => {
    // One request in twenty carries a NaN-like bare word somewhere: not JSON, a 400.
    const withNan = spoilJson === 0 ? messages.map((m, i) => (i === 0 ? { ...m, properties: { x: '@@NAN@@' } } : m)) : messages;
    const json = batch ? JSON.stringify({ batch: withNan }) : JSON.stringify(withNan[0]);
    return { path: batch ? '/v1/batch' : '/v1/track', body: render(json, depth, nan) } as const;
  });
