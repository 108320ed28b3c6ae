/**
 * Date ranges as pages keep them in the address: a preset relative to today (so a shared
 * "last 30 days" link stays current) or fixed dates. Resolved to `YYYY-MM-DD` in the project's
 * time zone just before a query.
 */
import { addDays, dateInZone } from './format.js';

export type Preset = 'today' | '7d' | '30d' | '90d' | '365d' | 'all';
export type Range = { readonly preset: Preset } | { readonly from: string; readonly to: string };

export const PRESETS: ReadonlyArray<{ value: Preset; label: string; days: number | null }> = [
  { value: 'today', label: 'Today', days: 1 },
  { value: '7d', label: 'Last 7 days', days: 7 },
  { value: '30d', label: 'Last 30 days', days: 30 },
  { value: '90d', label: 'Last 90 days', days: 90 },
  { value: '365d', label: 'Last 12 months', days: 365 },
  { value: 'all', label: 'All time', days: null },
];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isRange(v: unknown): v is Range {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  if (typeof r.preset === 'string') return PRESETS.some((p) => p.value === r.preset);
  return typeof r.from === 'string' && typeof r.to === 'string' && DATE.test(r.from) && DATE.test(r.to);
}

/** Inclusive local dates; both null for all time. */
export function resolveRange(range: Range, timeZone: string, now = Date.now()): { from: string | null; to: string | null } {
  if ('from' in range) return { from: range.from, to: range.to };
  const days = PRESETS.find((p) => p.value === range.preset)?.days ?? null;
  if (days === null) return { from: null, to: null };
  const today = dateInZone(now, timeZone);
  return { from: addDays(today, -(days - 1)), to: today };
}

export function rangeLabel(range: Range): string {
  if ('from' in range) return `${range.from} – ${range.to}`;
  return PRESETS.find((p) => p.value === range.preset)?.label ?? range.preset;
}

/** Days a relative range covers (for reports that keep moving with today); null otherwise. */
export function presetDays(range: Range): number | null {
  if ('from' in range) return null;
  return PRESETS.find((p) => p.value === range.preset)?.days ?? null;
}
