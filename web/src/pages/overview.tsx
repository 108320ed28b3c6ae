/**
 * The morning page: is data arriving (freshness, loader, quarantine), how much (events and persons
 * per day), what is happening right now (live counter), and which events dominate.
 */
import { useMemo } from 'preact/hooks';
import { apiGet, queryString, runQuery } from '../lib/api.js';
import { useAsync } from '../lib/use-async.js';
import { useProject, type ProjectStatus } from '../lib/project.js';
import { formatAgo, formatCount, formatNumber } from '../lib/format.js';
import { linkHandler } from '../lib/router.js';
import { pageUrl } from '../lib/url-state.js';
import { resolveRange } from '../lib/range.js';
import type { EventName } from '../lib/meta.js';
import type { TrendsResult } from '../lib/analysis-types.js';
import { AsyncView, Empty, ErrorBox, Loading } from '../components/states.js';
import { Chart } from '../components/chart.js';
import { DataTable } from '../components/data-table.js';

const DAYS = 30;

export default function Overview() {
  const project = useProject();
  const status = useAsync((signal) => apiGet<ProjectStatus>('/v1/status', signal), [], 30_000);
  const range = resolveRange({ preset: '30d' }, project.timezone);
  const daily = useAsync(
    async (signal) => {
      const base = { interval: 'day', from: range.from, to: range.to };
      const [events, persons] = await Promise.all([
        runQuery<TrendsResult>('trends', { ...base, measure: { type: 'count' } }, signal),
        runQuery<TrendsResult>('trends', { ...base, measure: { type: 'persons' } }, signal),
      ]);
      return { events, persons };
    },
    [range.from, range.to],
  );
  const top = useAsync((signal) => apiGet<{ events: EventName[] }>(`/v1/meta/events${queryString({ days: DAYS, limit: 10 })}`, signal), []);
  const live = useAsync((signal) => apiGet<{ count: number }>(`/v1/live/count${queryString({ window: '1h' })}`, signal), [], 5_000);

  return (
    <div class="page">
      <header class="page-header">
        <h1>Overview</h1>
        <Freshness status={status.data} />
      </header>

      {status.error && <ErrorBox error={status.error} retry={status.reload} title="Could not read the project status" />}
      <section class="kpis" aria-label="Key figures">
        <Kpi label="Events stored" value={status.data ? formatCount(status.data.eventsStored) : undefined} testId="kpi-events" />
        <Kpi label="Persons" value={status.data ? formatCount(status.data.personsStored) : undefined} testId="kpi-persons" />
        <Kpi
          label="Live: events in the last hour"
          value={live.data ? formatCount(live.data.count) : undefined}
          error={live.error ? `Live counters unavailable: ${live.error.message}` : undefined}
          testId="kpi-live"
          href="/live"
        />
        <Kpi
          label="Rejected events"
          value={status.data ? formatCount(status.data.rejectedCount) : undefined}
          testId="kpi-rejected"
          href="/rejected"
          tone={status.data && status.data.rejectedCount > 0 ? 'warn' : undefined}
          note={status.data && status.data.rejectedCount > 0 ? 'Open the quarantine list' : undefined}
        />
      </section>

      <section class="card">
        <h2>Events and persons per day</h2>
        <p class="muted">Last {DAYS} days, {project.timezone}</p>
        <AsyncView state={daily}>{(d) => <DailyChart events={d.events} persons={d.persons} />}</AsyncView>
      </section>

      <section class="card">
        <h2>Top events</h2>
        <p class="muted">Last {DAYS} days</p>
        <AsyncView state={top}>
          {(d) =>
            d.events.length === 0 ? (
              <Empty title="No events in the last 30 days">Send events to /v1/batch with the project's write key; they appear here within seconds.</Empty>
            ) : (
              <DataTable
                testId="top-events"
                rows={d.events}
                initialSort={{ key: 'count', desc: true }}
                columns={[
                  {
                    key: 'name',
                    label: 'Event',
                    value: (r) => r.name,
                    render: (r) => {
                      const to = pageUrl('/trends', { events: [r.name], measure: 'count', interval: 'day', range: { preset: '30d' }, filters: [] });
                      return (
                        <a href={to} onClick={linkHandler(to)}>
                          {r.name}
                        </a>
                      );
                    },
                  },
                  { key: 'count', label: 'Events', value: (r) => r.count, render: (r) => formatCount(r.count), numeric: true },
                  { key: 'last', label: 'Last seen', value: (r) => r.lastSeen, render: (r) => formatAgo(r.lastSeen) },
                ]}
              />
            )
          }
        </AsyncView>
      </section>
    </div>
  );
}

function Freshness({ status }: { status: ProjectStatus | undefined }) {
  if (!status) return null;
  const loaderError = status.loader.lastError;
  const lagging = status.log.lagBytes > 0;
  return (
    <div class="freshness" data-testid="freshness">
      <span class={`dot ${loaderError ? 'dot-bad' : lagging ? 'dot-warn' : 'dot-ok'}`} aria-hidden="true" />
      <span>Last event {formatAgo(status.lastEventAt)}</span>
      {status.loader.lastLoadAt && <span class="muted">· loaded {formatAgo(status.loader.lastLoadAt)}</span>}
      {lagging && <span class="muted">· {formatNumber(status.log.lagBytes)} bytes waiting to load</span>}
      {loaderError && (
        <span class="error-text">
          · loader {status.loader.errorKind === 'transient' ? 'waiting (retrying with backoff; nothing is lost)' : 'isolating rows the engine refuses'}: {loaderError}
        </span>
      )}
    </div>
  );
}

function Kpi({
  label,
  value,
  error,
  testId,
  href,
  tone,
  note,
}: {
  label: string;
  value: string | undefined;
  error?: string | undefined;
  testId: string;
  href?: string;
  tone?: 'warn' | undefined;
  note?: string | undefined;
}) {
  const body = (
    <>
      <div class="kpi-label">{label}</div>
      {error ? <div class="kpi-error">{error}</div> : value === undefined ? <Loading label="" /> : <div class="kpi-value">{value}</div>}
      {note && <div class="kpi-note">{note}</div>}
    </>
  );
  return href ? (
    <a class={`kpi card ${tone ?? ''}`} href={href} onClick={linkHandler(href)} data-testid={testId}>
      {body}
    </a>
  ) : (
    <div class="kpi card" data-testid={testId}>
      {body}
    </div>
  );
}

function DailyChart({ events, persons }: { events: TrendsResult; persons: TrendsResult }) {
  const option = useMemo(() => {
    const labels = events.current.buckets.map((b) => b.label);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: labels },
      yAxis: [
        { type: 'value', name: 'Events', minInterval: 1 },
        { type: 'value', name: 'Persons', minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        { name: 'Events', type: 'bar', data: events.current.series[0]?.values ?? [], barMaxWidth: 24 },
        { name: 'Persons', type: 'line', yAxisIndex: 1, data: persons.current.series[0]?.values ?? [], smooth: true, symbolSize: 5 },
      ],
    };
  }, [events, persons]);
  const total = (events.current.series[0]?.values ?? []).reduce<number>((a, v) => a + (v ?? 0), 0);
  if (total === 0) return <Empty title="No events in this period">The chart fills in as events arrive.</Empty>;
  return <Chart option={option} height={300} label="Events and persons per day" />;
}
