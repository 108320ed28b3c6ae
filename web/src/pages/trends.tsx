/** Trends: events, persons, or a property's sum/average per hour, day, week or month. */
import { useMemo } from 'preact/hooks';
import { runQuery } from '../lib/api.js';
import { useAsync, useDebounced } from '../lib/use-async.js';
import { isObject, useUrlState } from '../lib/url-state.js';
import { useProject } from '../lib/project.js';
import { isRange, presetDays, resolveRange, type Range } from '../lib/range.js';
import { formatNumber } from '../lib/format.js';
import { loadPropertyKeys, useMeta, type PropertyKeys } from '../lib/meta.js';
import type { TrendsResult } from '../lib/analysis-types.js';
import { AsyncView, Empty } from '../components/states.js';
import { Chart } from '../components/chart.js';
import { EventList } from '../components/step-list.js';
import { RangePicker } from '../components/range-picker.js';
import { FilterEditor, isFilter, readyFilters, type Filter } from '../components/filter-editor.js';
import { BreakdownPicker, isBreakdown, type Breakdown } from '../components/breakdown-picker.js';
import { DefinitionBox } from '../components/definition-box.js';
import { SaveReport } from '../components/save-report.js';
import { DataTable } from '../components/data-table.js';
import { Combobox } from '../components/combobox.js';

type Measure = 'count' | 'persons' | 'sum' | 'avg';
type Interval = 'hour' | 'day' | 'week' | 'month';

interface TrendsState {
  events: string[];
  measure: Measure;
  property?: string;
  interval: Interval;
  range: Range;
  filters: Filter[];
  breakdown?: Breakdown | null;
  compare?: boolean;
}

const MEASURES: ReadonlyArray<{ value: Measure; label: string }> = [
  { value: 'count', label: 'Events' },
  { value: 'persons', label: 'Unique persons' },
  { value: 'sum', label: 'Sum of a property' },
  { value: 'avg', label: 'Average of a property' },
];

const EMPTY_KEYS: PropertyKeys = { event: [], person: [], columns: [] };

const fallback = (): TrendsState => ({ events: [], measure: 'count', interval: 'day', range: { preset: '30d' }, filters: [], breakdown: null, compare: false });

function isState(v: unknown): v is TrendsState {
  return (
    isObject(v) &&
    Array.isArray(v.events) &&
    v.events.every((e) => typeof e === 'string') &&
    MEASURES.some((m) => m.value === v.measure) &&
    ['hour', 'day', 'week', 'month'].includes(v.interval as string) &&
    isRange(v.range) &&
    Array.isArray(v.filters) &&
    v.filters.every(isFilter) &&
    (v.breakdown === undefined || isBreakdown(v.breakdown))
  );
}

function definitionOf(s: TrendsState, timeZone: string): Record<string, unknown> | null {
  // Trends needs a bounded range; "all time" reads as the last 12 months here.
  const { from, to } = resolveRange('preset' in s.range && s.range.preset === 'all' ? { preset: '365d' } : s.range, timeZone);
  if (from === null || to === null) return null;
  if ((s.measure === 'sum' || s.measure === 'avg') && !s.property?.trim()) return null;
  const events = s.events.map((e) => e.trim()).filter((e) => e.length > 0);
  const bd = s.breakdown && s.breakdown.property.trim() ? s.breakdown : null;
  return {
    ...(events.length === 1 ? { event: events[0] } : events.length > 1 ? { event: events } : {}),
    measure: s.measure === 'sum' || s.measure === 'avg' ? { type: s.measure, property: s.property?.trim() } : { type: s.measure },
    interval: s.interval,
    from,
    to,
    filters: readyFilters(s.filters),
    ...(bd ? { breakdown: { source: bd.source, property: bd.property.trim() } } : {}),
    compare: Boolean(s.compare),
  };
}

export default function TrendsPage() {
  const project = useProject();
  const [state, setState] = useUrlState('def', fallback, isState);
  const update = (patch: Partial<TrendsState>): void => setState({ ...state, ...patch });
  const definition = definitionOf(state, project.timezone);
  const defText = useDebounced(definition ? JSON.stringify(definition) : '', 350);
  const result = useAsync(defText ? (signal) => runQuery<TrendsResult>('trends', JSON.parse(defText), signal) : null, [defText]);
  const events = state.events.filter((e) => e.trim() !== '');
  const keys = useMeta(() => loadPropertyKeys(events), EMPTY_KEYS, [events.join('\u0000')]);

  return (
    <div class="page">
      <header class="page-header">
        <h1>Trends</h1>
        <p class="muted">How often things happen over time.</p>
      </header>
      <section class="card controls" aria-label="Trend definition">
        <div class="control-grid">
          <div class="control">
            <span class="control-label">Events (none = every event)</span>
            <EventList events={state.events} onChange={(evs) => update({ events: evs })} testId="trend-event" />
          </div>
          <div class="control-column">
            <label class="control">
              <span class="control-label">Measure</span>
              <select value={state.measure} onChange={(e) => update({ measure: (e.target as HTMLSelectElement).value as Measure })}>
                {MEASURES.map((m) => (
                  <option key={m.value} value={m.value}>
                    {m.label}
                  </option>
                ))}
              </select>
            </label>
            {(state.measure === 'sum' || state.measure === 'avg') && (
              <div class="control">
                <span class="control-label">Numeric property</span>
                <Combobox
                  label="Numeric property"
                  value={state.property ?? ''}
                  suggestions={keys.event.map((k) => ({ value: k.key, count: k.count }))}
                  onChange={(property) => update({ property })}
                />
              </div>
            )}
            <label class="control">
              <span class="control-label">Interval</span>
              <select value={state.interval} onChange={(e) => update({ interval: (e.target as HTMLSelectElement).value as Interval })}>
                <option value="hour">Hour</option>
                <option value="day">Day</option>
                <option value="week">Week</option>
                <option value="month">Month</option>
              </select>
            </label>
            <div class="control">
              <span class="control-label">Range</span>
              <RangePicker value={state.range} allowAll={false} onChange={(range) => update({ range })} />
            </div>
            <div class="control">
              <span class="control-label">Breakdown</span>
              <BreakdownPicker value={state.breakdown ?? null} events={events} onChange={(breakdown) => update({ breakdown })} />
            </div>
            <label class="control checkbox">
              <input type="checkbox" checked={Boolean(state.compare)} onChange={(e) => update({ compare: (e.target as HTMLInputElement).checked })} />
              Compare with the previous period
            </label>
          </div>
        </div>
        <div class="control">
          <span class="control-label">Filters</span>
          <FilterEditor filters={state.filters} events={events} onChange={(filters) => update({ filters })} />
        </div>
      </section>
      {definition === null ? (
        <Empty title="Name the property to add up">Sum and average need a numeric event property.</Empty>
      ) : (
        <AsyncView state={result} loadingLabel="Counting…">
          {(r) => <TrendsView result={r} />}
        </AsyncView>
      )}
      {definition && <DefinitionBox analysis="trends" definition={definition} />}
      {definition && <SaveReport analysis="trends" definition={definition} suggestedName={`trends ${events.join(' ') || 'all events'} ${state.measure}`} rollingDays={presetDays(state.range)} />}
    </div>
  );
}

function TrendsView({ result }: { result: TrendsResult }) {
  const cur = result.current;
  const prev = result.previous;
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 64, right: 24, top: 40, bottom: 28 },
      xAxis: { type: 'category', data: cur.buckets.map((b) => b.label) },
      yAxis: { type: 'value' },
      series: [
        ...cur.series.map((s) => ({ name: s.label, type: 'line', smooth: true, symbolSize: 5, data: s.values })),
        ...(prev?.series ?? []).map((s) => ({ name: `${s.label} (previous)`, type: 'line', smooth: true, symbol: 'none', lineStyle: { type: 'dashed', opacity: 0.6 }, data: s.values })),
      ],
    }),
    [result],
  );
  const hasData = cur.series.some((s) => s.values.some((v) => v !== null && v !== 0));
  if (!hasData) return <Empty title="Nothing in this range">No matching events between {cur.buckets[0]?.label} and {cur.buckets[cur.buckets.length - 1]?.label}.</Empty>;
  const rows = cur.buckets.map((b, i) => ({ bucket: b.label, i }));
  return (
    <section class="card">
      <Chart option={option} height={340} label="Trend" />
      <DataTable
        testId="trends-table"
        rows={rows}
        exportName="trends"
        maxRows={100}
        columns={[
          { key: 'bucket', label: result.interval[0]?.toUpperCase() + result.interval.slice(1), value: (r) => r.bucket },
          ...cur.series.map((s, si) => ({
            key: `s${si}`,
            label: s.label,
            value: (r: { i: number }) => s.values[r.i] ?? null,
            render: (r: { i: number }) => formatNumber(s.values[r.i]),
            numeric: true,
          })),
          ...(prev?.series ?? []).map((s, si) => ({
            key: `p${si}`,
            label: `${s.label} (previous)`,
            value: (r: { i: number }) => s.values[r.i] ?? null,
            render: (r: { i: number }) => formatNumber(s.values[r.i]),
            numeric: true,
          })),
        ]}
      />
    </section>
  );
}
