/** Paths: what people do after (or did before) an event within a session, as a Sankey and a ranked list. */
import { useMemo } from 'preact/hooks';
import { runQuery } from '../lib/api.js';
import { useAsync, useDebounced } from '../lib/use-async.js';
import { isObject, useUrlState } from '../lib/url-state.js';
import { useProject } from '../lib/project.js';
import { isRange, presetDays, resolveRange, type Range } from '../lib/range.js';
import { formatCount, formatPercent } from '../lib/format.js';
import { useEventNames } from '../lib/meta.js';
import type { PathsResult } from '../lib/analysis-types.js';
import { AsyncView, Empty } from '../components/states.js';
import { Chart } from '../components/chart.js';
import { Combobox } from '../components/combobox.js';
import { RangePicker } from '../components/range-picker.js';
import { FilterEditor, isFilter, readyFilters, type Filter } from '../components/filter-editor.js';
import { DefinitionBox } from '../components/definition-box.js';
import { SaveReport } from '../components/save-report.js';
import { DataTable } from '../components/data-table.js';
import { TimeoutSelect } from '../components/timeout-select.js';

type Direction = 'next' | 'previous';

interface PathsState {
  startEvent: string;
  direction: Direction;
  steps: number;
  sessionTimeout: string;
  range: Range;
  filters: Filter[];
  limit: number;
}


const fallback = (): PathsState => ({ startEvent: '', direction: 'next', steps: 3, sessionTimeout: '30m', range: { preset: '30d' }, filters: [], limit: 20 });

function isState(v: unknown): v is PathsState {
  return (
    isObject(v) &&
    typeof v.startEvent === 'string' &&
    (v.direction === 'next' || v.direction === 'previous') &&
    typeof v.steps === 'number' &&
    typeof v.sessionTimeout === 'string' &&
    isRange(v.range) &&
    Array.isArray(v.filters) &&
    v.filters.every(isFilter) &&
    typeof v.limit === 'number'
  );
}

function definitionOf(s: PathsState, timeZone: string): Record<string, unknown> | null {
  if (!s.startEvent.trim()) return null;
  const { from, to } = resolveRange('preset' in s.range && s.range.preset === 'all' ? { preset: '365d' } : s.range, timeZone);
  if (from === null || to === null) return null;
  return {
    startEvent: s.startEvent.trim(),
    direction: s.direction,
    steps: Math.min(10, Math.max(1, Math.floor(s.steps))),
    sessionTimeout: s.sessionTimeout,
    from,
    to,
    filters: readyFilters(s.filters),
    limit: Math.min(100, Math.max(1, Math.floor(s.limit))),
  };
}

export default function PathsPage() {
  const project = useProject();
  const names = useEventNames();
  const [state, setState] = useUrlState('def', fallback, isState);
  const update = (patch: Partial<PathsState>): void => setState({ ...state, ...patch });
  const definition = definitionOf(state, project.timezone);
  const defText = useDebounced(definition ? JSON.stringify(definition) : '', 350);
  const result = useAsync(defText ? (signal) => runQuery<PathsResult>('paths', JSON.parse(defText), signal) : null, [defText]);

  return (
    <div class="page">
      <header class="page-header">
        <h1>Paths</h1>
        <p class="muted">The most common ways through a session, from or to one event.</p>
      </header>
      <section class="card controls" aria-label="Paths definition">
        <div class="control-grid three">
          <div class="control">
            <span class="control-label">{state.direction === 'next' ? 'Starting from' : 'Leading to'}</span>
            <Combobox
              label="Start event"
              testId="paths-start"
              value={state.startEvent}
              placeholder="event name"
              suggestions={names.map((n) => ({ value: n.name, count: n.count }))}
              onChange={(startEvent) => update({ startEvent })}
            />
            <label class="control">
              <span class="control-label">Direction</span>
              <select value={state.direction} onChange={(e) => update({ direction: (e.target as HTMLSelectElement).value as Direction })}>
                <option value="next">What happens next</option>
                <option value="previous">What happened before</option>
              </select>
            </label>
          </div>
          <div class="control">
            <label class="control">
              <span class="control-label">Steps</span>
              <input type="number" min={1} max={10} class="input-narrow" value={state.steps} onChange={(e) => update({ steps: Number((e.target as HTMLInputElement).value) || 3 })} />
            </label>
            <TimeoutSelect value={state.sessionTimeout} onChange={(sessionTimeout) => update({ sessionTimeout })} />
          </div>
          <div class="control">
            <span class="control-label">Range</span>
            <RangePicker value={state.range} allowAll={false} onChange={(range) => update({ range })} />
            <label class="control">
              <span class="control-label">Top paths listed</span>
              <input type="number" min={1} max={100} class="input-narrow" value={state.limit} onChange={(e) => update({ limit: Number((e.target as HTMLInputElement).value) || 20 })} />
            </label>
          </div>
        </div>
        <div class="control">
          <span class="control-label">Filters</span>
          <FilterEditor filters={state.filters} onChange={(filters) => update({ filters })} />
        </div>
      </section>
      {definition === null ? (
        <Empty title="Pick an event to start from">Paths show what people did right after (or before) it in the same session.</Empty>
      ) : (
        <AsyncView state={result} loadingLabel="Following sessions…">
          {(r) => <PathsView result={r} />}
        </AsyncView>
      )}
      {definition && <DefinitionBox analysis="paths" definition={definition} />}
      {definition && <SaveReport analysis="paths" definition={definition} suggestedName={`paths ${state.direction} ${state.startEvent}`} rollingDays={presetDays(state.range)} />}
    </div>
  );
}

/** Tooltips are HTML; event names are data a sender chose. */
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function nodeName(id: string, direction: Direction): string {
  if (id.startsWith('end:')) return direction === 'next' ? '(session ended)' : '(session started)';
  return id.slice(id.indexOf(':') + 1);
}

/** A path in time order, whichever way it was followed. */
function pathText(p: PathsResult['paths'][number], direction: Direction): string {
  const events = direction === 'next' ? [...p.path, ...(p.ended ? ['(session ended)'] : [])] : [...(p.ended ? ['(session started)'] : []), ...[...p.path].reverse()];
  return events.join(' → ');
}

function PathsView({ result }: { result: PathsResult }) {
  const option = useMemo(() => {
    const previous = result.direction === 'previous';
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: { dataType: string; data: { name?: string; source?: string; target?: string; value: number } }) => {
          const d = p.data;
          const share = formatPercent(result.sessions > 0 ? d.value / result.sessions : null);
          const name = (id: string | undefined): string => escapeHtml(nodeName(id ?? '', result.direction));
          if (p.dataType === 'edge') return `${name(d.source)} → ${name(d.target)}<br/>${formatCount(d.value)} sessions (${share})`;
          return `${name(d.name)}<br/>${formatCount(d.value)} sessions (${share})`;
        },
      },
      series: [
        {
          type: 'sankey',
          left: 8,
          right: 140,
          top: 12,
          bottom: 12,
          nodeGap: 10,
          nodeAlign: previous ? 'right' : 'left',
          emphasis: { focus: 'adjacency' },
          lineStyle: { color: 'gradient', opacity: 0.35, curveness: 0.5 },
          label: { formatter: (p: { name: string }) => nodeName(p.name, result.direction), fontSize: 12 },
          data: result.nodes.map((n) => ({ name: n.id, value: n.count, ...(n.event === null ? { itemStyle: { color: '#adb5bd' } } : {}) })),
          // Time flows left to right: before the start event, links point towards it.
          links: result.links.map((l) => (previous ? { source: l.target, target: l.source, value: l.count } : { source: l.source, target: l.target, value: l.count })),
        },
      ],
    };
  }, [result]);
  if (result.sessions === 0) return <Empty title={`No session with “${result.startEvent}” in this range`}>Pick another event or widen the range.</Empty>;
  return (
    <>
      <section class="card">
        <h2>
          {formatCount(result.sessions)} sessions with “{result.startEvent}”
        </h2>
        <Chart option={option} height={Math.max(360, Math.min(900, result.nodes.length * 26))} label="Paths" />
      </section>
      <section class="card">
        <h2>Most common paths</h2>
        <DataTable
          testId="paths-table"
          rows={result.paths}
          exportName="paths"
          columns={[
            { key: 'path', label: 'Path', value: (p) => pathText(p, result.direction) },
            { key: 'count', label: 'Sessions', value: (p) => p.count, render: (p) => formatCount(p.count), numeric: true },
            { key: 'share', label: 'Share', value: (p) => (result.sessions > 0 ? p.count / result.sessions : null), render: (p) => formatPercent(result.sessions > 0 ? p.count / result.sessions : null), numeric: true },
          ]}
        />
      </section>
    </>
  );
}
