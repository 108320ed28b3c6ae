/**
 * Sessions: the daily report (sessions, persons, durations, bounce rate, intent → success
 * conversion) and the session list below it, filtered by goal flags, device, channel or person.
 */
import { useMemo } from 'preact/hooks';
import { runQuery } from '../lib/api.js';
import { useAsync, useDebounced } from '../lib/use-async.js';
import { isObject, useUrlState } from '../lib/url-state.js';
import { useProject } from '../lib/project.js';
import { isRange, presetDays, resolveRange, type Range } from '../lib/range.js';
import { formatCount, formatDateTime, formatDuration, formatPercent } from '../lib/format.js';
import type { SessionDay, SessionRow, SessionsResult } from '../lib/analysis-types.js';
import { AsyncView, Empty } from '../components/states.js';
import { Chart } from '../components/chart.js';
import { EventList } from '../components/step-list.js';
import { RangePicker } from '../components/range-picker.js';
import { DataTable } from '../components/data-table.js';
import { DefinitionBox } from '../components/definition-box.js';
import { SaveReport } from '../components/save-report.js';
import { ServerExport } from '../components/server-export.js';
import { TimeoutSelect } from '../components/timeout-select.js';

const PAGE_SIZE = 50;

type Flag = 'any' | 'yes' | 'no';

interface SessionsState {
  range: Range;
  timeout: string;
  intent: string[];
  success: string[];
  afterIntent: boolean;
  list: { intent: Flag; success: Flag; device: string; channel: string; person: string; page: number };
}

const fallback = (): SessionsState => ({
  range: { preset: '30d' },
  timeout: '30m',
  intent: [],
  success: [],
  afterIntent: false,
  list: { intent: 'any', success: 'any', device: '', channel: '', person: '', page: 0 },
});

function isState(v: unknown): v is SessionsState {
  return (
    isObject(v) &&
    isRange(v.range) &&
    typeof v.timeout === 'string' &&
    Array.isArray(v.intent) &&
    Array.isArray(v.success) &&
    typeof v.afterIntent === 'boolean' &&
    isObject(v.list) &&
    typeof v.list.page === 'number'
  );
}

const flag = (f: Flag): boolean | undefined => (f === 'any' ? undefined : f === 'yes');
const names = (xs: readonly string[]): string[] => xs.map((x) => x.trim()).filter((x) => x.length > 0);

function baseDefinition(s: SessionsState, timeZone: string): Record<string, unknown> {
  const { from, to } = resolveRange(s.range, timeZone);
  const intent = names(s.intent);
  const success = names(s.success);
  return {
    timeout: s.timeout,
    ...(from !== null && to !== null ? { from, to } : {}),
    ...(intent.length > 0 ? { intent: { events: intent } } : {}),
    ...(success.length > 0 ? { success: { events: success, ...(s.afterIntent && intent.length > 0 ? { afterIntent: true } : {}) } } : {}),
  };
}

function listDefinition(s: SessionsState, timeZone: string): Record<string, unknown> {
  const l = s.list;
  const hasIntent = flag(l.intent);
  const hasSuccess = flag(l.success);
  return {
    ...baseDefinition(s, timeZone),
    view: 'list',
    list: {
      ...(hasIntent !== undefined ? { hasIntent } : {}),
      ...(hasSuccess !== undefined ? { hasSuccess } : {}),
      ...(l.device.trim() ? { device: l.device.trim() } : {}),
      ...(l.channel.trim() ? { channel: l.channel.trim() } : {}),
      ...(l.person.trim() ? { personId: l.person.trim() } : {}),
      limit: PAGE_SIZE,
      offset: l.page * PAGE_SIZE,
    },
  };
}

/** The list as filtered, every session (no page). */
function exportDefinition(s: SessionsState, timeZone: string): Record<string, unknown> {
  const def = listDefinition(s, timeZone);
  const { limit: _limit, offset: _offset, ...list } = def.list as Record<string, unknown>;
  return { ...def, list };
}

export default function SessionsPage() {
  const project = useProject();
  const [state, setState] = useUrlState('def', fallback, isState);
  const update = (patch: Partial<SessionsState>): void => setState({ ...state, ...patch });
  const updateList = (patch: Partial<SessionsState['list']>): void => setState({ ...state, list: { ...state.list, page: 0, ...patch } });
  const daily = { ...baseDefinition(state, project.timezone), view: 'daily' };
  const dailyText = useDebounced(JSON.stringify(daily), 350);
  const listText = useDebounced(JSON.stringify(listDefinition(state, project.timezone)), 350);
  const report = useAsync((signal) => runQuery<SessionsResult>('sessions', JSON.parse(dailyText), signal), [dailyText]);
  const list = useAsync((signal) => runQuery<SessionsResult>('sessions', JSON.parse(listText), signal), [listText]);
  const hasGoals = names(state.intent).length > 0 || names(state.success).length > 0;

  return (
    <div class="page">
      <header class="page-header">
        <h1>Sessions</h1>
        <p class="muted">Visits split by inactivity, with how many showed intent and how many succeeded.</p>
      </header>
      <section class="card controls" aria-label="Session rules">
        <div class="control-grid three">
          <div class="control">
            <span class="control-label">Range</span>
            <RangePicker value={state.range} onChange={(range) => update({ range })} />
            <TimeoutSelect value={state.timeout} onChange={(timeout) => update({ timeout })} />
          </div>
          <div class="control">
            <span class="control-label">Intent: any of these events</span>
            <EventList events={state.intent} onChange={(intent) => update({ intent })} testId="intent-event" />
          </div>
          <div class="control">
            <span class="control-label">Success: any of these events</span>
            <EventList events={state.success} onChange={(success) => update({ success })} testId="success-event" />
            <label class="checkbox">
              <input type="checkbox" checked={state.afterIntent} onChange={(e) => update({ afterIntent: (e.target as HTMLInputElement).checked })} />
              only after the first intent event
            </label>
          </div>
        </div>
      </section>

      <section class="card">
        <h2>Daily report</h2>
        <AsyncView state={report} loadingLabel="Building sessions…">
          {(r) => (r.view === 'daily' ? <DailyReport days={r.days} hasGoals={hasGoals} /> : null)}
        </AsyncView>
      </section>

      <section class="card">
        <h2>Session list</h2>
        <div class="inline list-filters">
          <FlagSelect label="Intent" value={state.list.intent} onChange={(intent) => updateList({ intent })} />
          <FlagSelect label="Success" value={state.list.success} onChange={(success) => updateList({ success })} />
          <input type="text" aria-label="Device" placeholder="device (mobile, desktop…)" value={state.list.device} onChange={(e) => updateList({ device: (e.target as HTMLInputElement).value })} />
          <input type="text" aria-label="Channel" placeholder="channel" value={state.list.channel} onChange={(e) => updateList({ channel: (e.target as HTMLInputElement).value })} />
          <input type="text" aria-label="Person" placeholder="person id" value={state.list.person} onChange={(e) => updateList({ person: (e.target as HTMLInputElement).value })} />
          <ServerExport analysis="sessions" definition={exportDefinition(state, project.timezone)} />
        </div>
        <AsyncView state={list}>
          {(r) =>
            r.view === 'list' ? (
              <SessionList rows={r.sessions} total={r.total} page={state.list.page} onPage={(page) => setState({ ...state, list: { ...state.list, page } })} />
            ) : null
          }
        </AsyncView>
      </section>
      <DefinitionBox analysis="sessions" definition={daily} />
      <SaveReport analysis="sessions" definition={daily} suggestedName="sessions daily" rollingDays={presetDays(state.range)} />
    </div>
  );
}

function FlagSelect({ label, value, onChange }: { label: string; value: Flag; onChange: (f: Flag) => void }) {
  return (
    <label class="inline">
      {label}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value as Flag)}>
        <option value="any">any</option>
        <option value="yes">yes</option>
        <option value="no">no</option>
      </select>
    </label>
  );
}

function DailyReport({ days, hasGoals }: { days: readonly SessionDay[]; hasGoals: boolean }) {
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: days.map((d) => d.day) },
      yAxis: [
        { type: 'value', name: 'Sessions', minInterval: 1 },
        { type: 'value', name: 'Rate', max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } },
      ],
      series: [
        { name: 'Sessions', type: 'bar', barMaxWidth: 24, data: days.map((d) => d.sessions) },
        { name: 'Bounce rate', type: 'line', yAxisIndex: 1, smooth: true, data: days.map((d) => Number((d.bounceRate * 100).toFixed(1))) },
        ...(hasGoals
          ? [{ name: 'Intent → success', type: 'line', yAxisIndex: 1, smooth: true, data: days.map((d) => (d.intentToSuccessRate === null ? null : Number((d.intentToSuccessRate * 100).toFixed(1)))) }]
          : []),
      ],
    }),
    [days, hasGoals],
  );
  if (days.length === 0) return <Empty title="No sessions in this range">Sessions appear once events with a person arrive.</Empty>;
  return (
    <>
      <Chart option={option} height={280} label="Sessions per day" />
      <DataTable
        testId="sessions-daily"
        rows={days}
        exportName="sessions-daily"
        initialSort={{ key: 'day', desc: true }}
        columns={[
          { key: 'day', label: 'Day', value: (d) => d.day },
          { key: 'sessions', label: 'Sessions', value: (d) => d.sessions, render: (d) => formatCount(d.sessions), numeric: true },
          { key: 'persons', label: 'Persons', value: (d) => d.persons, render: (d) => formatCount(d.persons), numeric: true },
          { key: 'avg', label: 'Avg duration', value: (d) => d.avgDurationMs, render: (d) => formatDuration(d.avgDurationMs), numeric: true },
          { key: 'median', label: 'Median duration', value: (d) => d.medianDurationMs, render: (d) => formatDuration(d.medianDurationMs), numeric: true },
          { key: 'bounce', label: 'Bounce rate', value: (d) => d.bounceRate, render: (d) => formatPercent(d.bounceRate), numeric: true },
          ...(hasGoals
            ? [
                { key: 'intent', label: 'With intent', value: (d: SessionDay) => d.intentSessions, render: (d: SessionDay) => formatCount(d.intentSessions), numeric: true },
                { key: 'success', label: 'With success', value: (d: SessionDay) => d.successSessions, render: (d: SessionDay) => formatCount(d.successSessions), numeric: true },
                { key: 'conv', label: 'Intent → success', value: (d: SessionDay) => d.intentToSuccessRate, render: (d: SessionDay) => formatPercent(d.intentToSuccessRate), numeric: true },
              ]
            : []),
        ]}
      />
    </>
  );
}

function SessionList({ rows, total, page, onPage }: { rows: readonly SessionRow[]; total: number; page: number; onPage: (p: number) => void }) {
  if (total === 0) return <Empty title="No session matches">Loosen the list filters or widen the range.</Empty>;
  return (
    <>
      <div class="table-tools">
        <span class="muted">
          {formatCount(total)} sessions · showing {formatCount(page * PAGE_SIZE + 1)}–{formatCount(page * PAGE_SIZE + rows.length)}
        </span>
        <div class="inline">
          <button type="button" class="btn btn-small" disabled={page === 0} onClick={() => onPage(page - 1)}>
            Previous
          </button>
          <button type="button" class="btn btn-small" disabled={(page + 1) * PAGE_SIZE >= total} onClick={() => onPage(page + 1)}>
            Next
          </button>
        </div>
      </div>
      <DataTable
        testId="sessions-list"
        rows={rows}
        rowKey={(r) => r.sessionId}
        columns={[
          { key: 'start', label: 'Start', value: (r) => r.start, render: (r) => formatDateTime(r.start) },
          { key: 'person', label: 'Person', value: (r) => r.personId },
          { key: 'duration', label: 'Duration', value: (r) => r.durationMs, render: (r) => formatDuration(r.durationMs), numeric: true },
          { key: 'events', label: 'Events', value: (r) => r.events, render: (r) => formatCount(r.events), numeric: true },
          { key: 'entry', label: 'Entry', value: (r) => r.entryPage || r.entryEvent },
          { key: 'exit', label: 'Exit', value: (r) => r.exitPage || r.exitEvent },
          { key: 'device', label: 'Device', value: (r) => r.device },
          { key: 'channel', label: 'Channel', value: (r) => r.channel },
          { key: 'flags', label: 'Goals', value: (r) => [r.intent && 'intent', r.success && 'success', r.bounce && 'bounce'].filter(Boolean).join(', ') },
        ]}
      />
    </>
  );
}
