/** Shapes of a sessions result and its flat table form. */
import type { ResultTable } from '../analysis.js';
import { DAILY_COLUMNS, LIST_COLUMNS } from './sessions-compiler.js';

export interface SessionDay {
  /** Local date (project timezone) the sessions started on. */
  readonly day: string;
  readonly sessions: number;
  readonly persons: number;
  readonly avgDurationMs: number;
  /** Middle duration; the mean of the two middle ones when the count is even. */
  readonly medianDurationMs: number;
  readonly bounces: number;
  readonly bounceRate: number;
  readonly intentSessions: number;
  readonly successSessions: number;
  /** Sessions with intent and success. */
  readonly intentSuccessSessions: number;
  /** intentSuccessSessions / intentSessions; null when no session had intent. */
  readonly intentToSuccessRate: number | null;
}

export interface SessionRow {
  /** Stable across queries while the data is unchanged: derived from the person and first event. */
  readonly sessionId: string;
  readonly personId: string;
  readonly day: string;
  /** ISO 8601, UTC. */
  readonly start: string;
  readonly end: string;
  readonly durationMs: number;
  readonly events: number;
  readonly entryEvent: string;
  readonly exitEvent: string;
  readonly entryPage: string;
  readonly exitPage: string;
  readonly channel: string;
  readonly device: string;
  readonly intent: boolean;
  readonly success: boolean;
  readonly bounce: boolean;
}

export type SessionsResult =
  | { readonly view: 'daily'; readonly days: readonly SessionDay[] }
  | { readonly view: 'list'; readonly sessions: readonly SessionRow[]; readonly total: number };

export function sessionsTable(result: SessionsResult): ResultTable {
  if (result.view === 'daily') {
    return { columns: DAILY_COLUMNS, rows: result.days.map((d) => DAILY_COLUMNS.map((c) => d[c])) };
  }
  return {
    columns: LIST_COLUMNS,
    rows: result.sessions.map((s) => LIST_COLUMNS.map((c) => {
      const v = s[c];
      return typeof v === 'boolean' ? (v ? 'true' : 'false') : v;
    })),
  };
}
