/** A funnel's result: headline, chart, per-step table, breakdown table, conversion trend, persons. */
import { useMemo, useState } from 'preact/hooks';
import { formatCount, formatDuration, formatPercent } from '../lib/format.js';
import type { FunnelBreakdownRow, FunnelResult, FunnelStepResult } from '../lib/analysis-types.js';
import { Empty } from '../components/states.js';
import { Chart } from '../components/chart.js';
import { DataTable } from '../components/data-table.js';
import { FunnelPersons, type PersonsQuery } from '../components/funnel-persons.js';

export function FunnelView({ result, definition }: { result: FunnelResult; definition: unknown }) {
  const [persons, setPersons] = useState<PersonsQuery | null>(null);
  const pick = (step: number, status: PersonsQuery['status'], breakdownValue?: string): void => {
    const label = result.steps[step - 1]?.label ?? '';
    setPersons({ step, status, stepLabel: label, ...(breakdownValue !== undefined ? { breakdownValue } : {}) });
  };
  const first = result.steps[0]?.persons ?? 0;
  // Counting by session, every number is a number of sessions.
  const units = (definition as { unit?: string } | null)?.unit === 'session' ? 'sessions' : 'persons';
  if (first === 0) {
    return <Empty title="Nobody entered this funnel">No person did the first step in this range with these filters. Widen the date range or check the step names.</Empty>;
  }
  const last = result.steps[result.steps.length - 1];
  return (
    <>
      <section class="card" data-testid="funnel-result">
        <div class="result-headline">
          <div>
            <div class="kpi-label">Overall conversion</div>
            <div class="kpi-value" data-testid="funnel-overall">
              {formatPercent(last?.conversionFromFirst)}
            </div>
          </div>
          <div class="muted">
            {formatCount(last?.persons)} of {formatCount(first)} {units} reached “{last?.label}” within {formatDuration(result.windowMs)}
          </div>
        </div>
        <FunnelChart
          result={result}
          onPick={(seriesIndex, dataIndex) => {
            const rows = result.breakdown?.rows ?? [];
            if (rows.length > 0) {
              const value = rows[seriesIndex]?.value;
              if (value !== null && value !== undefined) pick(dataIndex + 1, 'converted', value);
            } else if (seriesIndex === 1 && dataIndex > 0) pick(dataIndex + 1, 'dropped');
            else pick(dataIndex + 1, 'converted');
          }}
        />
        <p class="muted small">Click a bar or a number to list the persons behind it.</p>
        <StepsTable steps={result.steps} onPick={pick} />
      </section>
      {persons && <FunnelPersons key={JSON.stringify(persons)} definition={definition} query={persons} onClose={() => setPersons(null)} />}
      {result.breakdown && (
        <section class="card">
          <h2>By {result.breakdown.property}</h2>
          <BreakdownTable rows={result.breakdown.rows} labels={result.steps.map((s) => s.label)} onPick={pick} />
        </section>
      )}
      {result.trend && result.trend.rows.length > 0 && (
        <section class="card">
          <h2>Conversion trend</h2>
          <p class="muted">Persons entering per {result.trend.interval}, and the share of them who reached the last step.</p>
          <TrendChart result={result} />
        </section>
      )}
    </>
  );
}

const valueLabel = (v: string | null): string => (v === null ? 'Other' : v === '' ? '(not set)' : v);

function FunnelChart({ result, onPick }: { result: FunnelResult; onPick: (seriesIndex: number, dataIndex: number) => void }) {
  const option = useMemo(() => {
    const labels = result.steps.map((s) => `${s.index}. ${s.label}`);
    const rows = result.breakdown?.rows ?? [];
    if (rows.length > 0) {
      return {
        tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v.toFixed(1)}%` },
        legend: { top: 0, type: 'scroll' },
        grid: { left: 56, right: 24, top: 40, bottom: 40 },
        xAxis: { type: 'category', data: labels },
        yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
        series: rows.map((row) => ({
          name: valueLabel(row.value),
          type: 'bar',
          barMaxWidth: 36,
          data: row.steps.map((s) => (s.conversionFromFirst === null ? 0 : s.conversionFromFirst * 100)),
        })),
      };
    }
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 64, right: 24, top: 24, bottom: 40 },
      xAxis: { type: 'category', data: labels },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          name: 'Converted',
          type: 'bar',
          stack: 'funnel',
          barMaxWidth: 80,
          data: result.steps.map((s) => s.persons),
          label: { show: true, position: 'insideTop', color: '#fff', formatter: (p: { dataIndex: number }) => formatPercent(result.steps[p.dataIndex]?.conversionFromFirst) },
        },
        {
          name: 'Dropped off',
          type: 'bar',
          stack: 'funnel',
          barMaxWidth: 80,
          itemStyle: { color: '#dbe4ff' },
          data: result.steps.map((s) => s.dropOff ?? 0),
        },
      ],
    };
  }, [result]);
  return <Chart option={option} height={320} label="Funnel" onClick={(e) => onPick(e.seriesIndex, e.dataIndex)} />;
}

function StepsTable({ steps, onPick }: { steps: readonly FunnelStepResult[]; onPick: (step: number, status: PersonsQuery['status']) => void }) {
  return (
    <DataTable
      testId="funnel-steps"
      rows={steps}
      rowKey={(s) => String(s.index)}
      exportName="funnel-steps"
      columns={[
        { key: 'step', label: 'Step', value: (s) => `${s.index}. ${s.label}` },
        {
          key: 'persons',
          label: 'Persons',
          value: (s) => s.persons,
          render: (s) => (
            <button type="button" class="link-button" title="List these persons" onClick={() => onPick(s.index, 'converted')}>
              {formatCount(s.persons)}
            </button>
          ),
          numeric: true,
        },
        { key: 'prev', label: 'From previous', value: (s) => s.conversionFromPrevious, render: (s) => formatPercent(s.conversionFromPrevious), numeric: true },
        { key: 'first', label: 'From first', value: (s) => s.conversionFromFirst, render: (s) => formatPercent(s.conversionFromFirst), numeric: true },
        {
          key: 'dropoff',
          label: 'Dropped off',
          value: (s) => s.dropOff,
          render: (s) =>
            s.dropOff === null || s.dropOff === 0 ? (
              formatCount(s.dropOff)
            ) : (
              <button type="button" class="link-button" data-testid={`dropoff-${s.index}`} title="List the persons who dropped off here" onClick={() => onPick(s.index, 'dropped')}>
                {formatCount(s.dropOff)}
              </button>
            ),
          numeric: true,
        },
        { key: 'droprate', label: 'Drop-off rate', value: (s) => s.dropOffRate, render: (s) => formatPercent(s.dropOffRate), numeric: true },
        { key: 'median', label: 'Median time', value: (s) => s.timeToConvert?.medianMs ?? null, render: (s) => formatDuration(s.timeToConvert?.medianMs), numeric: true },
      ]}
    />
  );
}

function BreakdownTable({
  rows,
  labels,
  onPick,
}: {
  rows: readonly FunnelBreakdownRow[];
  labels: readonly string[];
  onPick: (step: number, status: PersonsQuery['status'], value: string) => void;
}) {
  return (
    <div class="table-wrap">
      <table class="data-table" data-testid="funnel-breakdown">
        <thead>
          <tr>
            <th>Value</th>
            {labels.map((l, i) => (
              <th key={i} class="num">
                {i + 1}. {l}
              </th>
            ))}
            <th class="num">Conversion</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const last = row.steps[row.steps.length - 1];
            return (
              <tr key={String(row.value)} data-value={row.value ?? '\u0000other'}>
                <th scope="row">{valueLabel(row.value)}</th>
                {row.steps.map((s) => (
                  <td key={s.index} class="num" data-step={s.index}>
                    {row.value === null ? (
                      <span class="persons">{formatCount(s.persons)}</span>
                    ) : (
                      <button type="button" class="link-button persons" title="List these persons" onClick={() => onPick(s.index, 'converted', row.value ?? '')}>
                        {formatCount(s.persons)}
                      </button>
                    )}
                    {s.index > 1 && (
                      <span class="rate" title="from the previous step">
                        {formatPercent(s.conversionFromPrevious)}
                      </span>
                    )}
                  </td>
                ))}
                <td class="num strong" data-col="conversion">
                  {formatPercent(last?.conversionFromFirst)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function TrendChart({ result }: { result: FunnelResult }) {
  const rows = result.trend?.rows ?? [];
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: rows.map((r) => r.period) },
      yAxis: [
        { type: 'value', name: 'Entered', minInterval: 1 },
        { type: 'value', name: 'Conversion', max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } },
      ],
      series: [
        { name: 'Entered', type: 'bar', barMaxWidth: 24, itemStyle: { color: '#bac8ff' }, data: rows.map((r) => r.entered) },
        {
          name: 'Conversion',
          type: 'line',
          yAxisIndex: 1,
          smooth: true,
          data: rows.map((r) => (r.conversionRate === null ? null : Number((r.conversionRate * 100).toFixed(1)))),
          tooltip: { valueFormatter: (v: number | null) => (v === null ? '–' : `${v}%`) },
        },
      ],
    }),
    [rows],
  );
  return <Chart option={option} height={260} label="Conversion trend" />;
}
