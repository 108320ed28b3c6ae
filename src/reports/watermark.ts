/** Where an incremental run starts reading (see touched-buckets.ts and bucket-counts.ts). */
import { toSqlTime } from '../events/event-row.js';
import type { MaterializedState } from './report-repo.js';

/** Epoch ms of an engine time text (`2024-03-10 08:00:00.000`, UTC). */
export function engineMs(text: string): number {
  return Date.parse(text.replace(' ', 'T') + 'Z');
}

/**
 * Rows loaded after this (engine time text) are new to a run: the last watermark minus the
 * overlap. null = everything: a report without committed buckets starts over from all data,
 * whatever ran before.
 */
export function readFrom(state: Pick<MaterializedState, 'watermark' | 'extent'>, overlapMs: number): string | null {
  return state.watermark === null || state.extent === null ? null : toSqlTime(engineMs(state.watermark) - overlapMs);
}
