/** Random filters over the vocabulary of `random-log.ts`, every op and source. */
import fc from 'fast-check';
import type { z } from 'zod';
import type { filterSchema } from '../../../src/analyses/shared/filters.js';
import { PROPERTY_KEYS, VALUES } from './random-log.js';

type FilterInput = z.input<typeof filterSchema>;

/** Patterns with the same meaning in RE2 and JavaScript (`u` + `s` flags). */
const REGEXES = ['^p', 'e$', 'r.e', '(pro|free)', '[0-9]+', '^$', '^.$', '😀', '\\\\', "'", '^-?[0-9]', '.'];

const property = fc.constantFrom(...PROPERTY_KEYS);
const personSourced = fc.record({ property, source: fc.constantFrom('event', 'person') as fc.Arbitrary<'event' | 'person'> });
const columnSourced = fc.record({
  property: fc.constantFrom('country', 'device_type', 'event', 'page_path'),
  source: fc.constant('column' as const),
});
const target = fc.oneof({ weight: 3, arbitrary: personSourced }, { weight: 1, arbitrary: columnSourced });
const text = fc.constantFrom(...VALUES, 'US', 'DE', 'é', 'view', 'p', 'r');

export const filterArb: fc.Arbitrary<FilterInput> = fc.oneof(
  fc.record({ t: target, op: fc.constantFrom('eq', 'neq', 'contains', 'not_contains'), value: text }),
  fc.record({ t: target, op: fc.constant('regex'), value: fc.constantFrom(...REGEXES) }),
  fc.record({ t: target, op: fc.constantFrom('gt', 'gte', 'lt', 'lte'), value: fc.constantFrom(-3, 0, 0.5, 1, 2, 10, 1000) }),
  fc.record({ t: target, op: fc.constantFrom('in', 'not_in'), value: fc.array(text, { minLength: 1, maxLength: 3 }) }),
  fc.record({ t: target, op: fc.constantFrom('is_set', 'is_not_set'), value: fc.constant(undefined) }),
).map(({ t, op, value }) => (value === undefined ? { ...t, op } : { ...t, op, value }) as FilterInput);

export const filtersArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant([]) },
  { weight: 3, arbitrary: fc.array(filterArb, { minLength: 1, maxLength: 2 }) },
);
