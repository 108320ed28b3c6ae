/**
 * The shape of one stored event: a row of the `events` table as the loader inserts it
 * (JSONEachRow). Timestamps are UTC strings `YYYY-MM-DD hh:mm:ss.sss`.
 */
export interface EventRow {
  project_id: string;
  /** UUID; derived deterministically from messageId so retries map to the same id. */
  event_id: string;
  type: 'track' | 'page' | 'screen' | 'identify' | 'alias' | 'group';
  event: string;
  person_id: string;
  anonymous_id: string;
  user_id: string;
  timestamp: string;
  received_at: string;
  sent_at: string | null;
  timestamp_clamped: boolean;
  page_url: string;
  page_path: string;
  page_referrer: string;
  page_title: string;
  device_type: string;
  os: string;
  browser: string;
  channel: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  country: string;
  locale: string;
  /** Event properties, top-level keys; scalars as text, objects/arrays as JSON text. */
  properties: Record<string, string>;
  /** Identify/group traits (and context.traits), same encoding as properties. */
  traits: Record<string, string>;
  /** The rest of the Segment context as JSON text (library, ip, ...). */
  context: string;
  /** Position of the log record this event came from; set by the loader. */
  log_position?: number;
}

/** A rejected item as the quarantine stores it. */
export interface RejectedRow {
  project_id: string;
  received_at: string;
  /** `loader`: the engine refused an acknowledged event (file names the table, line the row's index in its log record). */
  source: 'http' | 'import' | 'loader';
  reason: string;
  errors: string[];
  payload: string;
  payload_truncated: boolean;
  file?: string;
  line?: number;
  log_position?: number;
}

/** `2024-01-02T03:04:05.678Z` → `2024-01-02 03:04:05.678`, the engine's DateTime64(3) text form. */
export function toSqlTime(ms: number): string {
  // A batch's rows share received_at and usually sent_at: remember the last two answers.
  if (ms === cacheA.ms) return cacheA.text;
  if (ms === cacheB.ms) return cacheB.text;
  const text = new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  cacheB = cacheA;
  cacheA = { ms, text };
  return text;
}

let cacheA = { ms: Number.NaN, text: '' };
let cacheB = { ms: Number.NaN, text: '' };
