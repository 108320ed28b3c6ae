/**
 * Funnel builder: steps from the project's event names, order mode, conversion window, date range,
 * filters and a breakdown. Shows conversion and drop-off per step (per breakdown value) and the
 * conversion trend. Everything it shows is in the address, so a view can be shared.
 */
import { runQuery } from '../lib/api.js';
import { useAsync, useDebounced } from '../lib/use-async.js';
import { useUrlState, isObject } from '../lib/url-state.js';
import { useProject } from '../lib/project.js';
import { isRange, presetDays, resolveRange, type Range } from '../lib/range.js';
import type { FunnelResult } from '../lib/analysis-types.js';
import { AsyncView, Empty } from '../components/states.js';
import { EventList } from '../components/step-list.js';
import { RangePicker } from '../components/range-picker.js';
import { FilterEditor, isFilter, readyFilters, type Filter } from '../components/filter-editor.js';
import { BreakdownPicker, isBreakdown, type Breakdown } from '../components/breakdown-picker.js';
import { DefinitionBox } from '../components/definition-box.js';
import { SaveReport } from '../components/save-report.js';
import { FunnelView } from './funnel-result.js';
import { TimeoutSelect } from '../components/timeout-select.js';

type Order = 'ordered' | 'strict' | 'any';
type Interval = 'day' | 'week' | 'month';

interface FunnelState {
  steps: string[];
  order: Order;
  window: string;
  range: Range;
  filters: Filter[];
  breakdown: Breakdown | null;
  trend: Interval;
  /** Absent in addresses shared before counting by session existed: persons. */
  unit?: 'person' | 'session';
  timeout?: string;
}

const ORDERS: ReadonlyArray<{ value: Order; label: string; hint: string }> = [
  { value: 'ordered', label: 'In order', hint: 'steps in this order; other events may happen between them' },
  { value: 'strict', label: 'Strict order', hint: 'steps in this order with no other event of the funnel in between' },
  { value: 'any', label: 'Any order', hint: 'all steps within the window, in any order' },
];

const WINDOW_UNITS: ReadonlyArray<{ unit: string; label: string }> = [
  { unit: 'm', label: 'minutes' },
  { unit: 'h', label: 'hours' },
  { unit: 'd', label: 'days' },
  { unit: 'w', label: 'weeks' },
];

const fallback = (): FunnelState => ({ steps: ['', ''], order: 'ordered', window: '14d', range: { preset: '30d' }, filters: [], breakdown: null, trend: 'day' });

function isState(v: unknown): v is FunnelState {
  return (
    isObject(v) &&
    Array.isArray(v.steps) &&
    v.steps.every((s) => typeof s === 'string') &&
    ORDERS.some((o) => o.value === v.order) &&
    typeof v.window === 'string' &&
    isRange(v.range) &&
    Array.isArray(v.filters) &&
    v.filters.every(isFilter) &&
    isBreakdown(v.breakdown) &&
    (v.trend === 'day' || v.trend === 'week' || v.trend === 'month') &&
    (v.unit === undefined || v.unit === 'person' || v.unit === 'session') &&
    (v.timeout === undefined || typeof v.timeout === 'string')
  );
}

/** The API definition of what the page shows; null until two steps are named. */
function definitionOf(s: FunnelState, timeZone: string): Record<string, unknown> | null {
  const steps = s.steps.map((e) => e.trim()).filter((e) => e.length > 0);
  if (steps.length < 2) return null;
  const { from, to } = resolveRange(s.range, timeZone);
  const filters = readyFilters(s.filters);
  const bd = s.breakdown && s.breakdown.property.trim() ? s.breakdown : null;
  return {
    steps: steps.map((event) => ({ event })),
    order: s.order,
    window: s.window,
    ...(from !== null && to !== null ? { from, to } : {}),
    ...(filters.length > 0 ? { filters } : {}),
    ...(bd ? { breakdown: { type: bd.source, property: bd.property.trim() } } : {}),
    trend: { interval: s.trend },
    ...(s.unit === 'session' ? { unit: 'session', session: { timeout: s.timeout ?? '30m' } } : {}),
  };
}

export default function FunnelPage() {
  const project = useProject();
  const [state, setState] = useUrlState('def', fallback, isState);
  const update = (patch: Partial<FunnelState>): void => setState({ ...state, ...patch });
  const definition = definitionOf(state, project.timezone);
  const defText = useDebounced(definition ? JSON.stringify(definition) : '', 350);
  const result = useAsync(defText ? (signal) => runQuery<FunnelResult>('funnel', JSON.parse(defText), signal) : null, [defText]);
  const stepEvents = state.steps.filter((e) => e.trim() !== '');

  const windowMatch = /^(\d+)(m|h|d|w)$/.exec(state.window);
  const windowAmount = windowMatch?.[1] ?? '14';
  const windowUnit = windowMatch?.[2] ?? 'd';

  return (
    <div class="page">
      <header class="page-header">
        <h1>Funnels</h1>
        <p class="muted">Who goes through each step, and where they drop off.</p>
      </header>
      <section class="card controls" aria-label="Funnel definition">
        <div class="control-grid">
          <div class="control">
            <span class="control-label">Steps</span>
            <EventList events={state.steps} min={2} numbered movable testId="funnel-step" addLabel="+ Add step" onChange={(steps) => update({ steps })} />
          </div>
          <div class="control-column">
            <label class="control">
              <span class="control-label">Order</span>
              <select value={state.order} data-testid="funnel-order" onChange={(e) => update({ order: (e.target as HTMLSelectElement).value as Order })}>
                {ORDERS.map((o) => (
                  <option key={o.value} value={o.value} title={o.hint}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
            <div class="control">
              <span class="control-label">Conversion window</span>
              <div class="inline">
                <input
                  type="number"
                  min={1}
                  aria-label="Window length"
                  class="input-narrow"
                  value={windowAmount}
                  onChange={(e) => update({ window: `${Math.max(1, Math.floor(Number((e.target as HTMLInputElement).value) || 1))}${windowUnit}` })}
                />
                <select aria-label="Window unit" value={windowUnit} onChange={(e) => update({ window: `${windowAmount}${(e.target as HTMLSelectElement).value}` })}>
                  {WINDOW_UNITS.map((u) => (
                    <option key={u.unit} value={u.unit}>
                      {u.label}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <div class="control">
              <span class="control-label">First step between</span>
              <RangePicker value={state.range} onChange={(range) => update({ range })} />
            </div>
            <div class="control">
              <span class="control-label">Breakdown</span>
              <BreakdownPicker value={state.breakdown} events={stepEvents} columns={(all) => all.filter((c) => c !== 'event')} onChange={(breakdown) => update({ breakdown })} />
            </div>
            <label class="control">
              <span class="control-label">Count</span>
              <select value={state.unit ?? 'person'} data-testid="funnel-unit" onChange={(e) => update({ unit: (e.target as HTMLSelectElement).value as 'person' | 'session' })}>
                <option value="person">Persons</option>
                <option value="session">Sessions (steps in the same session)</option>
              </select>
            </label>
            {state.unit === 'session' && <TimeoutSelect value={state.timeout ?? '30m'} onChange={(timeout) => update({ timeout })} />}
            <label class="control">
              <span class="control-label">Trend by</span>
              <select value={state.trend} onChange={(e) => update({ trend: (e.target as HTMLSelectElement).value as Interval })}>
                <option value="day">Day</option>
                <option value="week">Week</option>
                <option value="month">Month</option>
              </select>
            </label>
          </div>
        </div>
        <div class="control">
          <span class="control-label">Filters (every step)</span>
          <FilterEditor filters={state.filters} events={stepEvents} columns={undefined} onChange={(filters) => update({ filters })} />
        </div>
      </section>

      {definition === null ? (
        <Empty title="Pick at least two steps">Choose the events a person goes through, in order; the funnel runs as soon as two steps are named.</Empty>
      ) : (
        <AsyncView state={result} loadingLabel="Running the funnel…">
          {(r) => <FunnelView result={r} definition={JSON.parse(defText) as unknown} />}
        </AsyncView>
      )}
      {definition && <DefinitionBox analysis="funnel" definition={definition} />}
      {definition && <SaveReport analysis="funnel" definition={definition} suggestedName={`funnel ${stepEvents[0] ?? ''} to ${stepEvents[stepEvents.length - 1] ?? ''}`} rollingDays={presetDays(state.range)} />}
    </div>
  );
}
