/** "Break down by": a typed column, an event property or a person property. */
import { Combobox } from './combobox.js';
import { loadPropertyKeys, useMeta, type PropertyKeys } from '../lib/meta.js';

export type BreakdownSource = 'column' | 'event' | 'person';
export interface Breakdown {
  source: BreakdownSource;
  property: string;
}

const EMPTY: PropertyKeys = { event: [], person: [], columns: [] };

export function isBreakdown(v: unknown): v is Breakdown | null {
  if (v === null) return true;
  if (typeof v !== 'object') return false;
  const b = v as Record<string, unknown>;
  return (b.source === 'column' || b.source === 'event' || b.source === 'person') && typeof b.property === 'string';
}

export function BreakdownPicker({
  value,
  onChange,
  events = [],
  columns,
}: {
  value: Breakdown | null;
  onChange: (b: Breakdown | null) => void;
  events?: readonly string[];
  columns?: (all: readonly string[]) => readonly string[];
}) {
  const keys = useMeta(() => loadPropertyKeys(events), EMPTY, [events.join('\u0000')]);
  const cols = columns ? columns(keys.columns) : keys.columns;
  const suggestions =
    value?.source === 'column'
      ? cols.map((c) => ({ value: c }))
      : (value?.source === 'person' ? keys.person : keys.event).map((k) => ({ value: k.key, count: k.count }));
  return (
    <div class="breakdown-picker">
      <select
        aria-label="Breakdown type"
        data-testid="breakdown-source"
        value={value?.source ?? 'none'}
        onChange={(e) => {
          const s = (e.target as HTMLSelectElement).value;
          onChange(s === 'none' ? null : { source: s as BreakdownSource, property: s === 'column' ? 'device_type' : '' });
        }}
      >
        <option value="none">No breakdown</option>
        <option value="column">Event column</option>
        <option value="event">Event property</option>
        <option value="person">Person property</option>
      </select>
      {value && (
        <Combobox label="Breakdown property" testId="breakdown-property" value={value.property} placeholder="property" suggestions={suggestions} onChange={(p) => onChange({ ...value, property: p })} />
      )}
    </div>
  );
}
