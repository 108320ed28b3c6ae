/**
 * Property filters as the analyses take them: `{ source, property, op, value }`. Values are typed
 * as text; lists are comma-separated, comparisons take numbers. A filter the server rejects shows
 * the server's message, so the UI does not need to duplicate every rule.
 */
import { useEffect, useState } from 'preact/hooks';
import { Combobox } from './combobox.js';
import { loadPropertyKeys, loadValues, useMeta, type PropertyKeys } from '../lib/meta.js';

export type FilterSource = 'event' | 'person' | 'column';
export type FilterValue = string | number | string[];

export interface Filter {
  source: FilterSource;
  property: string;
  op: string;
  value?: FilterValue;
}

export const FILTER_OPS: ReadonlyArray<{ op: string; label: string; kind: 'text' | 'number' | 'list' | 'none' }> = [
  { op: 'eq', label: 'equals', kind: 'text' },
  { op: 'neq', label: 'does not equal', kind: 'text' },
  { op: 'contains', label: 'contains', kind: 'text' },
  { op: 'not_contains', label: 'does not contain', kind: 'text' },
  { op: 'in', label: 'is one of', kind: 'list' },
  { op: 'not_in', label: 'is none of', kind: 'list' },
  { op: 'gt', label: '>', kind: 'number' },
  { op: 'gte', label: '≥', kind: 'number' },
  { op: 'lt', label: '<', kind: 'number' },
  { op: 'lte', label: '≤', kind: 'number' },
  { op: 'regex', label: 'matches regex', kind: 'text' },
  { op: 'is_set', label: 'is set', kind: 'none' },
  { op: 'is_not_set', label: 'is not set', kind: 'none' },
];

const SOURCE_LABELS: Record<FilterSource, string> = { event: 'Event property', person: 'Person property', column: 'Event column' };

const EMPTY_KEYS: PropertyKeys = { event: [], person: [], columns: [] };

export function isFilter(v: unknown): v is Filter {
  if (v === null || typeof v !== 'object') return false;
  const f = v as Record<string, unknown>;
  return (f.source === 'event' || f.source === 'person' || f.source === 'column') && typeof f.property === 'string' && typeof f.op === 'string';
}

/** The value in the shape its operator takes. */
function typed(op: string, text: string): FilterValue | undefined {
  const kind = FILTER_OPS.find((o) => o.op === op)?.kind ?? 'text';
  if (kind === 'none') return undefined;
  if (kind === 'list') return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (kind === 'number') return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  return text;
}

const asText = (v: FilterValue | undefined): string => (v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v));

/** A filter as the API takes it (no value key for is_set / is_not_set). */
export function apiFilter(f: Filter): Filter {
  const kind = FILTER_OPS.find((o) => o.op === f.op)?.kind;
  const { value, ...rest } = f;
  return kind === 'none' || value === undefined ? rest : { ...rest, value };
}

function ValueInput({ filter, onChange, events }: { filter: Filter; onChange: (v: FilterValue | undefined) => void; events: readonly string[] }) {
  // Local text, so typing "a, " is not rewritten to "a" by the round trip through the list.
  const [text, setText] = useState(asText(filter.value));
  useEffect(() => {
    if (asText(typed(filter.op, text)) !== asText(filter.value)) setText(asText(filter.value));
  }, [filter.value, filter.op]);
  const values = useMeta(
    () => (filter.property ? loadValues(filter.source, filter.property, filter.source === 'person' ? [] : events) : Promise.resolve([])),
    [],
    [filter.source, filter.property, events.join('\u0000')],
  );
  const kind = FILTER_OPS.find((o) => o.op === filter.op)?.kind ?? 'text';
  if (kind === 'none') return null;
  if (kind === 'number') {
    return (
      <input
        type="number"
        aria-label="Value"
        value={text}
        onInput={(e) => {
          const t = (e.target as HTMLInputElement).value;
          setText(t);
          onChange(typed(filter.op, t));
        }}
      />
    );
  }
  return (
    <Combobox
      label="Value"
      value={text}
      placeholder={kind === 'list' ? 'a, b, c' : 'value'}
      suggestions={values.map((v) => ({ value: v.value, count: v.count }))}
      onChange={(t) => {
        const next = kind === 'list' && text.includes(',') && !t.includes(',') ? `${text.replace(/[^,]*$/, '').trim()} ${t}` : t;
        setText(next);
        onChange(typed(filter.op, next));
      }}
    />
  );
}

export function FilterEditor({
  filters,
  onChange,
  events = [],
  allowPerson = true,
  columns,
}: {
  filters: readonly Filter[];
  onChange: (f: Filter[]) => void;
  events?: readonly string[];
  allowPerson?: boolean;
  /** Columns the analysis accepts; the server's list when absent. */
  columns?: readonly string[];
}) {
  const keys = useMeta(() => loadPropertyKeys(events), EMPTY_KEYS, [events.join('\u0000')]);
  const update = (i: number, f: Filter): void => onChange(filters.map((x, j) => (j === i ? f : x)));
  const sources: FilterSource[] = allowPerson ? ['event', 'column', 'person'] : ['event', 'column'];
  return (
    <div class="filters">
      {filters.map((f, i) => {
        const suggestions =
          f.source === 'column'
            ? (columns ?? keys.columns).map((c) => ({ value: c }))
            : (f.source === 'person' ? keys.person : keys.event).map((k) => ({ value: k.key, count: k.count }));
        return (
          <div class="filter-row" key={i} data-testid="filter-row">
            <select aria-label="Filter source" value={f.source} onChange={(e) => update(i, { ...f, source: (e.target as HTMLSelectElement).value as FilterSource, property: '' })}>
              {sources.map((s) => (
                <option key={s} value={s}>
                  {SOURCE_LABELS[s]}
                </option>
              ))}
            </select>
            <Combobox label="Property" value={f.property} placeholder="property" suggestions={suggestions} onChange={(p) => update(i, { ...f, property: p })} />
            <select
              aria-label="Operator"
              value={f.op}
              onChange={(e) => {
                const op = (e.target as HTMLSelectElement).value;
                const v = typed(op, asText(f.value));
                const { value: _old, ...rest } = f;
                update(i, v === undefined ? { ...rest, op } : { ...rest, op, value: v });
              }}
            >
              {FILTER_OPS.map((o) => (
                <option key={o.op} value={o.op}>
                  {o.label}
                </option>
              ))}
            </select>
            <ValueInput
              filter={f}
              events={events}
              onChange={(v) => {
                const { value: _old, ...rest } = f;
                update(i, v === undefined ? rest : { ...rest, value: v });
              }}
            />
            <button type="button" class="btn-icon" aria-label="Remove filter" title="Remove filter" onClick={() => onChange(filters.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        );
      })}
      <button type="button" class="btn-link" onClick={() => onChange([...filters, { source: 'event', property: '', op: 'eq', value: '' }])}>
        + Add filter
      </button>
    </div>
  );
}

/** Filters complete enough to send: a property is named. */
export const readyFilters = (filters: readonly Filter[]): Filter[] => filters.filter((f) => f.property.trim() !== '').map(apiFilter);
