/**
 * Which stored rows are behaviour. identify/alias/group calls record who someone is, not what
 * they did, so trends, retention and paths (like sessions) only see track, page and screen rows.
 */
import { sql } from '../kernel/sql.js';
import type { RefEvent } from './reference-log.js';

export const ACTIVITY_TYPES = ['track', 'page', 'screen'] as const;

/** SQL condition on the `type` column; fixed text, no user input. */
export const ACTIVITY = sql`type IN ('track', 'page', 'screen')`;

export function isActivity(e: RefEvent): boolean {
  return (ACTIVITY_TYPES as readonly string[]).includes(e.type);
}
