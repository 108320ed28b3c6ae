/** What a paths query asks for, and what it answers (Sankey-ready). */
import { z } from 'zod';
import { durationSchema } from '../shared/duration.js';
import { filtersSchema } from '../shared/filters.js';
import { checkRange } from '../shared/range-checks.js';
import { timeInputSchema } from '../shared/time-range.js';

const name = z.string().min(1).max(200);

export const pathsDefinitionSchema = z
  .strictObject({
    startEvent: name,
    direction: z.enum(['next', 'previous']).default('next'),
    steps: z.number().int().min(1).max(10).default(3),
    /** A gap longer than this between a person's events starts a new session. */
    sessionTimeout: durationSchema(60_000, 86_400_000).default('30m'),
    from: timeInputSchema,
    to: timeInputSchema,
    filters: filtersSchema,
    /** How many of the most common paths to list. */
    limit: z.number().int().min(1).max(100).default(20),
  })
  .superRefine((def, ctx) => checkRange(def, 'day', 3660, ctx));

export type PathsDefinition = z.output<typeof pathsDefinitionSchema>;

/** `<depth>:<event>`, or `end:<depth>` where sessions ran out before `steps` events. */
export interface PathsNode {
  readonly id: string;
  /** Events away from the start event (0 = the start event itself). */
  readonly depth: number;
  /** null for an end node. */
  readonly event: string | null;
  readonly count: number;
}

export interface PathsLink {
  readonly source: string;
  readonly target: string;
  readonly count: number;
}

export interface PathsEntry {
  /** The start event, then the following (or preceding, nearest first) events. */
  readonly path: readonly string[];
  /** The session ended (or, for `previous`, began) before `steps` events. */
  readonly ended: boolean;
  readonly count: number;
}

export interface PathsResult {
  readonly startEvent: string;
  readonly direction: 'next' | 'previous';
  readonly steps: number;
  /** Sessions containing the start event: one path each. */
  readonly sessions: number;
  readonly nodes: readonly PathsNode[];
  readonly links: readonly PathsLink[];
  /** The `limit` most common paths: count descending, then by events in UTF-8 order. */
  readonly paths: readonly PathsEntry[];
}
