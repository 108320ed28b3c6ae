/** Retention: cohorts by first occurrence, the triangle of returning shares, and the average curve. */
import { useMemo, useState } from 'preact/hooks';
import { runQuery } from '../lib/api.js';
import { useAsync, useDebounced } from '../lib/use-async.js';
import { isObject, useUrlState } from '../lib/url-state.js';
import { useProject } from '../lib/project.js';
import { isRange, presetDays, resolveRange, type Range } from '../lib/range.js';
import { formatCount, formatPercent } from '../lib/format.js';
import { useEventNames } from '../lib/meta.js';
import { toCsv } from '../lib/csv.js';
import { downloadText } from '../lib/download.js';
import type { RetentionResult } from '../lib/analysis-types.js';
import { AsyncView, Empty } from '../components/states.js';
import { Chart } from '../components/chart.js';
import { Combobox } from '../components/combobox.js';
import { RangePicker } from '../components/range-picker.js';
import { FilterEditor, isFilter, readyFilters, type Filter } from '../components/filter-editor.js';
import { DefinitionBox } from '../components/definition-box.js';
import { SaveReport } from '../components/save-report.js';

type Interval = 'day' | 'week' | 'month';

interface RetentionState {
  cohortEvent: string;
  returnEvent: string;
  interval: Interval;
  periods: number;
  range: Range;
  filters: Filter[];
}

const fallback = (): RetentionState => ({ cohortEvent: '', returnEvent: '', interval: 'week', periods: 8, range: { preset: '90d' }, filters: [] });

function isState(v: unknown): v is RetentionState {
  return (
    isObject(v) &&
    typeof v.cohortEvent === 'string' &&
    typeof v.returnEvent === 'string' &&
    (v.interval === 'day' || v.interval === 'week' || v.interval === 'month') &&
    typeof v.periods === 'number' &&
    isRange(v.range) &&
    Array.isArray(v.filters) &&
    v.filters.every(isFilter)
  );
}

function definitionOf(s: RetentionState, timeZone: string): Record<string, unknown> | null {
  const { from, to } = resolveRange('preset' in s.range && s.range.preset === 'all' ? { preset: '365d' } : s.range, timeZone);
  if (from === null || to === null) return null;
  return {
    ...(s.cohortEvent.trim() ? { cohortEvent: s.cohortEvent.trim() } : {}),
    ...(s.returnEvent.trim() ? { returnEvent: s.returnEvent.trim() } : {}),
    interval: s.interval,
    periods: Math.min(60, Math.max(1, Math.floor(s.periods))),
    from,
    to,
    filters: readyFilters(s.filters),
  };
}

export default function RetentionPage() {
  const project = useProject();
  const names = useEventNames();
  const suggestions = names.map((n) => ({ value: n.name, count: n.count }));
  const [state, setState] = useUrlState('def', fallback, isState);
  const update = (patch: Partial<RetentionState>): void => setState({ ...state, ...patch });
  const definition = definitionOf(state, project.timezone);
  const defText = useDebounced(definition ? JSON.stringify(definition) : '', 350);
  const result = useAsync(defText ? (signal) => runQuery<RetentionResult>('retention', JSON.parse(defText), signal) : null, [defText]);
  const events = [state.cohortEvent, state.returnEvent].filter((e) => e.trim() !== '');

  return (
    <div class="page">
      <header class="page-header">
        <h1>Retention</h1>
        <p class="muted">Of the persons who first did something in a period, how many came back in each later one.</p>
      </header>
      <section class="card controls" aria-label="Retention definition">
        <div class="control-grid three">
          <div class="control">
            <span class="control-label">Cohort: first time doing</span>
            <Combobox label="Cohort event" value={state.cohortEvent} placeholder="any event" suggestions={suggestions} onChange={(cohortEvent) => update({ cohortEvent })} />
            <span class="control-label">Came back: doing</span>
            <Combobox label="Return event" value={state.returnEvent} placeholder="any event" suggestions={suggestions} onChange={(returnEvent) => update({ returnEvent })} />
          </div>
          <div class="control">
            <label class="control">
              <span class="control-label">Period</span>
              <select value={state.interval} onChange={(e) => update({ interval: (e.target as HTMLSelectElement).value as Interval })}>
                <option value="day">Day</option>
                <option value="week">Week</option>
                <option value="month">Month</option>
              </select>
            </label>
            <label class="control">
              <span class="control-label">Periods shown</span>
              <input type="number" min={1} max={60} class="input-narrow" value={state.periods} onChange={(e) => update({ periods: Number((e.target as HTMLInputElement).value) || 8 })} />
            </label>
          </div>
          <div class="control">
            <span class="control-label">Cohorts entering</span>
            <RangePicker value={state.range} allowAll={false} onChange={(range) => update({ range })} />
          </div>
        </div>
        <div class="control">
          <span class="control-label">Filters</span>
          <FilterEditor filters={state.filters} events={events} onChange={(filters) => update({ filters })} />
        </div>
      </section>
      {definition && (
        <AsyncView state={result} loadingLabel="Building cohorts…">
          {(r) => <RetentionView result={r} />}
        </AsyncView>
      )}
      {definition && <DefinitionBox analysis="retention" definition={definition} />}
      {definition && <SaveReport analysis="retention" definition={definition} suggestedName={`retention ${state.cohortEvent || 'any'} ${state.interval}`} rollingDays={presetDays(state.range)} />}
    </div>
  );
}

/** Mean share returning in each period, weighted by cohort size, over cohorts where it is observable. */
function averageCurve(r: RetentionResult): Array<number | null> {
  return Array.from({ length: r.periods + 1 }, (_, k) => {
    let size = 0;
    let back = 0;
    for (const c of r.cohorts) {
      const v = c.values[k];
      if (v === null || v === undefined || c.size === 0) continue;
      size += c.size;
      back += v;
    }
    return size > 0 ? back / size : null;
  });
}

function RetentionView({ result }: { result: RetentionResult }) {
  const [show, setShow] = useState<'rate' | 'count'>('rate');
  const curve = useMemo(() => averageCurve(result), [result]);
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (v: number | null) => (v === null ? '–' : `${v}%`) },
      grid: { left: 56, right: 24, top: 24, bottom: 28 },
      xAxis: { type: 'category', data: curve.map((_, k) => `${result.interval} ${k}`) },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: [{ name: 'Retained', type: 'line', smooth: true, areaStyle: { opacity: 0.12 }, data: curve.map((v) => (v === null ? null : Number((v * 100).toFixed(1)))) }],
    }),
    [curve, result.interval],
  );
  if (result.cohorts.every((c) => c.size === 0)) return <Empty title="No cohort in this range">Nobody did the cohort event in this range.</Empty>;
  const periods = Array.from({ length: result.periods + 1 }, (_, k) => k);
  const exportCsv = (): void =>
    downloadText(
      'retention.csv',
      toCsv(
        ['cohort', 'size', ...periods.map((k) => `${result.interval}_${k}`)],
        result.cohorts.map((c) => [c.cohort, c.size, ...periods.map((k) => c.values[k] ?? null)]),
      ),
    );
  return (
    <>
      <section class="card">
        <h2>Average retention</h2>
        <Chart option={option} height={240} label="Average retention" />
      </section>
      <section class="card">
        <div class="table-tools">
          <div class="segmented" role="group" aria-label="Show">
            <button type="button" class={show === 'rate' ? 'on' : undefined} onClick={() => setShow('rate')}>
              Percent
            </button>
            <button type="button" class={show === 'count' ? 'on' : undefined} onClick={() => setShow('count')}>
              Persons
            </button>
          </div>
          <button type="button" class="btn btn-small" onClick={exportCsv}>
            Export CSV
          </button>
        </div>
        <div class="table-wrap">
          <table class="data-table retention" data-testid="retention-table">
            <thead>
              <tr>
                <th>Cohort</th>
                <th class="num">Persons</th>
                {periods.map((k) => (
                  <th key={k} class="num">
                    {k === 0 ? `${result.interval} 0` : k}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.cohorts.map((c) => (
                <tr key={c.cohort}>
                  <th scope="row">{c.cohort}</th>
                  <td class="num">{formatCount(c.size)}</td>
                  {periods.map((k) => {
                    const v = c.values[k];
                    const rate = c.rates[k];
                    if (v === null || v === undefined) return <td key={k} class="num cell-future" />;
                    const alpha = rate === null || rate === undefined ? 0 : Math.max(0.06, rate);
                    return (
                      <td
                        key={k}
                        class={`num heat${alpha > 0.55 ? ' heat-dark' : ''}`}
                        style={{ background: `rgba(36, 84, 214, ${alpha.toFixed(3)})` }}
                        title={`${formatCount(v)} of ${formatCount(c.size)} persons (${formatPercent(rate)})`}
                      >
                        {show === 'rate' ? formatPercent(rate) : formatCount(v)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
