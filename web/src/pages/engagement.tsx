/**
 * Engagement: time on content per day (chart and table), and the BI table per content item
 * (merchant, flyer, article...) and day, sortable and exportable.
 */
import { useMemo, useState } from 'preact/hooks';
import { runQuery } from '../lib/api.js';
import { useAsync, useDebounced } from '../lib/use-async.js';
import { isObject, useUrlState } from '../lib/url-state.js';
import { useProject } from '../lib/project.js';
import { isRange, presetDays, resolveRange, type Range } from '../lib/range.js';
import { formatCount, formatDuration } from '../lib/format.js';
import { loadPropertyKeys, useMeta, type PropertyKeys } from '../lib/meta.js';
import type { EngagementDay, EngagementItemDay, EngagementResult } from '../lib/analysis-types.js';
import { AsyncView, Empty } from '../components/states.js';
import { Chart } from '../components/chart.js';
import { Combobox } from '../components/combobox.js';
import { EventList } from '../components/step-list.js';
import { RangePicker } from '../components/range-picker.js';
import { DataTable, type Column } from '../components/data-table.js';
import { DefinitionBox } from '../components/definition-box.js';
import { SaveReport } from '../components/save-report.js';
import { ServerExport } from '../components/server-export.js';
import { TimeoutSelect } from '../components/timeout-select.js';

const MAX_KEYS = 8;
const TABLE_ROWS = 50;

interface EngagementState {
  contentEvents: string[];
  keys: string[];
  heartbeatEvents: string[];
  durationProperty: string;
  durationUnit: 'ms' | 's';
  timeout: string;
  range: Range;
}

const EMPTY_KEYS: PropertyKeys = { event: [], person: [], columns: [] };

const fallback = (): EngagementState => ({ contentEvents: [''], keys: [], heartbeatEvents: [], durationProperty: '', durationUnit: 'ms', timeout: '30m', range: { preset: '30d' } });

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function isState(v: unknown): v is EngagementState {
  return (
    isObject(v) &&
    strings(v.contentEvents) &&
    strings(v.keys) &&
    strings(v.heartbeatEvents) &&
    typeof v.durationProperty === 'string' &&
    (v.durationUnit === 'ms' || v.durationUnit === 's') &&
    typeof v.timeout === 'string' &&
    isRange(v.range)
  );
}

const names = (xs: readonly string[]): string[] => [...new Set(xs.map((x) => x.trim()).filter((x) => x.length > 0))];

/** The shared part of both reports; null until a content event is named. */
function baseDefinition(s: EngagementState, timeZone: string): Record<string, unknown> | null {
  const content = names(s.contentEvents);
  if (content.length === 0) return null;
  const { from, to } = resolveRange(s.range, timeZone);
  const heartbeats = names(s.heartbeatEvents).filter((h) => !content.includes(h));
  return {
    contentEvents: content,
    timeout: s.timeout,
    ...(from !== null && to !== null ? { from, to } : {}),
    ...(heartbeats.length > 0 ? { heartbeatEvents: heartbeats } : {}),
    ...(s.durationProperty.trim() ? { durationProperty: s.durationProperty.trim(), durationUnit: s.durationUnit } : {}),
  };
}

export default function EngagementPage() {
  const project = useProject();
  const [state, setState] = useUrlState('def', fallback, isState);
  const update = (patch: Partial<EngagementState>): void => setState({ ...state, ...patch });
  const base = baseDefinition(state, project.timezone);
  const keys = names(state.keys).slice(0, MAX_KEYS);
  const daily = base ? { ...base, report: 'daily' } : null;
  const items = base && keys.length > 0 ? { ...base, keys, report: 'per_item_day' } : null;
  const dailyText = useDebounced(daily ? JSON.stringify(daily) : '', 350);
  const itemsText = useDebounced(items ? JSON.stringify(items) : '', 350);
  const dailyState = useAsync(dailyText ? (signal) => runQuery<EngagementResult>('engagement', JSON.parse(dailyText), signal) : null, [dailyText]);
  const itemsState = useAsync(itemsText ? (signal) => runQuery<EngagementResult>('engagement', JSON.parse(itemsText), signal) : null, [itemsText]);
  const content = names(state.contentEvents);
  const propertyKeys = useMeta(() => loadPropertyKeys(content), EMPTY_KEYS, [content.join('\u0000')]);
  const keySuggestions = propertyKeys.event.map((k) => ({ value: k.key, count: k.count }));

  return (
    <div class="page">
      <header class="page-header">
        <h1>Engagement</h1>
        <p class="muted">Time on content: how long a view lasts until the next event of the same session.</p>
      </header>
      <section class="card controls" aria-label="Engagement definition">
        <div class="control-grid three">
          <div class="control">
            <span class="control-label">Content views: any of these events</span>
            <EventList events={state.contentEvents} min={1} onChange={(contentEvents) => update({ contentEvents })} testId="content-event" />
            <span class="control-label">Heartbeats (skipped when timing a view)</span>
            <EventList events={state.heartbeatEvents} onChange={(heartbeatEvents) => update({ heartbeatEvents })} testId="heartbeat-event" />
          </div>
          <div class="control">
            <span class="control-label">Content identified by (BI table)</span>
            <div class="event-list">
              {state.keys.map((k, i) => (
                <div class="event-row" key={i}>
                  <Combobox label={`Content key ${i + 1}`} value={k} placeholder="property, e.g. merchant_id" suggestions={keySuggestions} onChange={(v) => update({ keys: state.keys.map((x, j) => (j === i ? v : x)) })} />
                  <button type="button" class="btn-icon" aria-label="Remove key" title="Remove key" onClick={() => update({ keys: state.keys.filter((_, j) => j !== i) })}>
                    ×
                  </button>
                </div>
              ))}
              {state.keys.length < MAX_KEYS && (
                <button type="button" class="btn-link" onClick={() => update({ keys: [...state.keys, ''] })}>
                  + Add key
                </button>
              )}
            </div>
            <span class="control-label">Explicit dwell time property (optional)</span>
            <div class="inline">
              <Combobox label="Duration property" value={state.durationProperty} placeholder="e.g. duration" suggestions={keySuggestions} onChange={(durationProperty) => update({ durationProperty })} />
              <select aria-label="Duration unit" value={state.durationUnit} onChange={(e) => update({ durationUnit: (e.target as HTMLSelectElement).value as 'ms' | 's' })}>
                <option value="ms">milliseconds</option>
                <option value="s">seconds</option>
              </select>
            </div>
          </div>
          <div class="control">
            <span class="control-label">Range</span>
            <RangePicker value={state.range} onChange={(range) => update({ range })} />
            <TimeoutSelect value={state.timeout} onChange={(timeout) => update({ timeout })} />
          </div>
        </div>
      </section>

      {base === null ? (
        <Empty title="Pick the events that are content views">For example flyer_open or article_view: the time from each to the next event of the session is the time spent on it.</Empty>
      ) : (
        <>
          <section class="card">
            <h2>Time on content per day</h2>
            <AsyncView state={dailyState} loadingLabel="Timing views…">
              {(r) => (r.report === 'daily' ? <DailyView rows={r.rows} /> : null)}
            </AsyncView>
          </section>
          <section class="card">
            <h2>By content and day</h2>
            {items === null ? (
              <Empty title="Name the property that identifies content">Add a key such as merchant_id or flyer_id to get one row per item and day.</Empty>
            ) : (
              <AsyncView state={itemsState} loadingLabel="Building the table…">
                {(r) => (r.report === 'per_item_day' ? <ItemTable keys={r.keys} rows={r.rows} exportDefinition={items} /> : null)}
              </AsyncView>
            )}
          </section>
        </>
      )}
      {daily && <DefinitionBox analysis="engagement" definition={items ?? daily} />}
      {daily && <SaveReport analysis="engagement" definition={items ?? daily} suggestedName={`engagement ${keys.join(' ') || 'daily'}`} rollingDays={presetDays(state.range)} />}
    </div>
  );
}

function DailyView({ rows }: { rows: readonly EngagementDay[] }) {
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 64, right: 64, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: rows.map((r) => r.day) },
      yAxis: [
        { type: 'value', name: 'Minutes / person', axisLabel: { formatter: (v: number) => `${v}` } },
        { type: 'value', name: 'Views', minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        {
          name: 'Avg time per person (min)',
          type: 'line',
          smooth: true,
          data: rows.map((r) => (r.avgTimePerPersonMs === null ? null : Number((r.avgTimePerPersonMs / 60_000).toFixed(2)))),
        },
        { name: 'Views', type: 'bar', yAxisIndex: 1, barMaxWidth: 24, itemStyle: { color: '#bac8ff' }, data: rows.map((r) => r.views) },
      ],
    }),
    [rows],
  );
  if (rows.length === 0) return <Empty title="No content views in this range">Check the event names or widen the range.</Empty>;
  return (
    <>
      <Chart option={option} height={280} label="Time on content per day" />
      <DataTable
        testId="engagement-daily"
        rows={rows}
        exportName="engagement-daily"
        initialSort={{ key: 'day', desc: true }}
        columns={[
          { key: 'day', label: 'Day', value: (r) => r.day },
          { key: 'persons', label: 'Persons', value: (r) => r.persons, render: (r) => formatCount(r.persons), numeric: true },
          { key: 'views', label: 'Views', value: (r) => r.views, render: (r) => formatCount(r.views), numeric: true },
          { key: 'measured', label: 'Timed views', value: (r) => r.measuredViews, render: (r) => formatCount(r.measuredViews), numeric: true },
          { key: 'total', label: 'Total time', exportLabel: 'Total time (ms)', value: (r) => r.totalTimeMs, render: (r) => formatDuration(r.totalTimeMs), numeric: true },
          { key: 'perView', label: 'Avg per view', exportLabel: 'Avg per view (ms)', value: (r) => r.avgTimePerViewMs, render: (r) => formatDuration(r.avgTimePerViewMs), numeric: true },
          { key: 'perPerson', label: 'Avg per person', exportLabel: 'Avg per person (ms)', value: (r) => r.avgTimePerPersonMs, render: (r) => formatDuration(r.avgTimePerPersonMs), numeric: true },
        ]}
      />
    </>
  );
}

function ItemTable({ keys, rows, exportDefinition }: { keys: readonly string[]; rows: readonly EngagementItemDay[]; exportDefinition: unknown }) {
  const [search, setSearch] = useState('');
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    return q ? rows.filter((r) => r.key.some((k) => k.toLowerCase().includes(q))) : rows;
  }, [rows, search]);
  const columns: Array<Column<EngagementItemDay>> = [
    { key: 'day', label: 'Day', value: (r) => r.day },
    ...keys.map((k, i) => ({ key: `key${i}`, label: k, value: (r: EngagementItemDay) => r.key[i] ?? '' })),
    { key: 'views', label: 'Views', value: (r) => r.views, render: (r) => formatCount(r.views), numeric: true },
    { key: 'persons', label: 'Persons', value: (r) => r.uniquePersons, render: (r) => formatCount(r.uniquePersons), numeric: true },
    { key: 'measured', label: 'Timed views', value: (r) => r.measuredViews, render: (r) => formatCount(r.measuredViews), numeric: true },
    // Exported as milliseconds, so a BI tool gets numbers it can add up.
    { key: 'total', label: 'Total time', exportLabel: 'Total time (ms)', value: (r) => r.totalTimeMs, render: (r) => formatDuration(r.totalTimeMs), numeric: true },
    { key: 'perView', label: 'Avg per view', exportLabel: 'Avg per view (ms)', value: (r) => r.avgTimePerViewMs, render: (r) => formatDuration(r.avgTimePerViewMs), numeric: true },
    { key: 'perPerson', label: 'Avg per person', exportLabel: 'Avg per person (ms)', value: (r) => r.avgTimePerPersonMs, render: (r) => formatDuration(r.avgTimePerPersonMs), numeric: true },
  ];
  if (rows.length === 0) return <Empty title="No content views in this range" />;
  return (
    <>
      <div class="inline list-filters">
        <input type="text" aria-label="Find content" placeholder={`find ${keys.join(' / ')}`} value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        <ServerExport analysis="engagement" definition={exportDefinition} />
      </div>
      <DataTable
        testId="engagement-items"
        rows={shown}
        exportName="engagement-by-content"
        initialSort={{ key: 'total', desc: true }}
        maxRows={TABLE_ROWS}
        rowKey={(r) => JSON.stringify([r.day, r.key])}
        columns={columns}
      />
    </>
  );
}
