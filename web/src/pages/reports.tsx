/** Saved reports: schedules, the last run's status, run now, results, CSV/Parquet downloads. */
import { useState } from 'preact/hooks';
import { apiDelete, apiDownload, apiGet, apiPost } from '../lib/api.js';
import { useAsync } from '../lib/use-async.js';
import { formatAgo, formatCount, formatDateTime, formatDuration } from '../lib/format.js';
import { downloadBlob } from '../lib/download.js';
import type { Report, ReportRun } from '../lib/analysis-types.js';
import { AsyncView, Empty, ErrorBox } from '../components/states.js';
import { DataTable } from '../components/data-table.js';
import { SCHEDULES } from '../components/save-report.js';

type ReportView = Report & { nextRunAt: string | null };

interface ReportRow {
  readonly report: ReportView;
  readonly lastRun: ReportRun | null;
}

async function loadReports(signal: AbortSignal): Promise<ReportRow[]> {
  const { reports } = await apiGet<{ reports: ReportView[] }>('/v1/reports', signal);
  return Promise.all(
    reports.map(async (report) => {
      const { runs } = await apiGet<{ runs: ReportRun[] }>(`/v1/reports/${encodeURIComponent(report.reportId)}/runs?limit=1`, signal);
      return { report, lastRun: runs[0] ?? null };
    }),
  );
}

const scheduleLabel = (cron: string | null): string => SCHEDULES.find((s) => s.cron === cron)?.label ?? (cron === null ? 'By hand' : cron);

export default function ReportsPage() {
  const list = useAsync(loadReports, [], 10_000);
  const [open, setOpen] = useState<string | null>(null);
  const [actionError, setActionError] = useState<Error | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const act = (id: string, what: string, fn: () => Promise<unknown>): void => {
    setBusy(`${id}:${what}`);
    setActionError(null);
    fn().then(
      () => {
        setBusy(null);
        list.reload();
      },
      (err: Error) => {
        setBusy(null);
        setActionError(err);
      },
    );
  };

  const download = (r: ReportView, format: 'csv' | 'parquet'): void =>
    act(r.reportId, format, async () => {
      const { blob, filename } = await apiDownload(`/v1/reports/${encodeURIComponent(r.reportId)}/export?format=${format}`);
      downloadBlob(filename ?? `${r.name}.${format}`, blob);
    });

  return (
    <div class="page">
      <header class="page-header">
        <h1>Reports</h1>
        <p class="muted">Saved analyses that run on a schedule; save one from any analysis page.</p>
      </header>
      {actionError && <ErrorBox error={actionError} title="That did not work" retry={() => setActionError(null)} />}
      <AsyncView state={list}>
        {(rows) =>
          rows.length === 0 ? (
            <Empty title="No saved reports yet">Build a view on the Funnels, Trends, Sessions, Engagement, Retention or Paths page and use “Save as report”.</Empty>
          ) : (
            <section class="card">
              <table class="data-table" data-testid="reports-list">
                <thead>
                  <tr>
                    <th>Report</th>
                    <th>Runs</th>
                    <th>Last run</th>
                    <th class="num">Rows</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {rows.map(({ report: r, lastRun }) => (
                    <tr key={r.reportId} data-report={r.name}>
                      <td>
                        <button type="button" class="link-button strong" onClick={() => setOpen(open === r.reportId ? null : r.reportId)}>
                          {r.name}
                        </button>
                        <div class="muted small">{r.analysis}</div>
                      </td>
                      <td>
                        {scheduleLabel(r.schedule)}
                        {r.nextRunAt && <div class="muted small">next {formatDateTime(r.nextRunAt)}</div>}
                      </td>
                      <td data-col="status">
                        <RunStatus run={lastRun} />
                      </td>
                      <td class="num">{lastRun ? formatCount(lastRun.rows) : '–'}</td>
                      <td class="nowrap actions">
                        <button type="button" class="btn btn-small" disabled={busy !== null} onClick={() => act(r.reportId, 'run', () => apiPost(`/v1/reports/${encodeURIComponent(r.reportId)}/run`, undefined))}>
                          {busy === `${r.reportId}:run` ? 'Running…' : 'Run now'}
                        </button>
                        <button type="button" class="btn btn-small" disabled={busy !== null} onClick={() => download(r, 'csv')}>
                          CSV
                        </button>
                        <button type="button" class="btn btn-small" disabled={busy !== null} onClick={() => download(r, 'parquet')}>
                          Parquet
                        </button>
                        <button
                          type="button"
                          class="btn-icon"
                          aria-label={`Delete ${r.name}`}
                          title="Delete"
                          disabled={busy !== null}
                          onClick={() => {
                            if (window.confirm(`Delete the report “${r.name}” and its results?`)) act(r.reportId, 'delete', () => apiDelete(`/v1/reports/${encodeURIComponent(r.reportId)}`));
                          }}
                        >
                          ×
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )
        }
      </AsyncView>
      {open && <ReportResults key={open} reportId={open} />}
    </div>
  );
}

function RunStatus({ run }: { run: ReportRun | null }) {
  if (!run) return <span class="muted">never run</span>;
  const tone = run.status === 'finished' ? 'ok' : run.status === 'failed' ? 'bad' : run.status === 'started' ? 'warn' : 'muted';
  return (
    <span title={run.error || undefined}>
      <span class={`badge badge-${tone}`}>{run.status}</span> {formatAgo(run.finishedAt ?? run.startedAt)}
      {run.durationMs !== null && <span class="muted small"> · {formatDuration(run.durationMs)}</span>}
      {run.error && <div class="error-text small">{run.error}</div>}
    </span>
  );
}

function ReportResults({ reportId }: { reportId: string }) {
  const results = useAsync(
    (signal) => apiGet<{ columns: string[]; rows: Array<Array<string | number | null>> }>(`/v1/reports/${encodeURIComponent(reportId)}/results`, signal),
    [reportId],
  );
  return (
    <section class="card" data-testid="report-results">
      <h2>Results</h2>
      <AsyncView state={results}>
        {(r) =>
          r.rows.length === 0 ? (
            <Empty title="The last run found no data" />
          ) : (
            <DataTable
              rows={r.rows}
              maxRows={100}
              columns={r.columns.map((c, i) => ({ key: String(i), label: c, value: (row: Array<string | number | null>) => row[i] ?? null, numeric: typeof r.rows[0]?.[i] === 'number' }))}
            />
          )
        }
      </AsyncView>
    </section>
  );
}
