/** The persons behind a funnel bar: who reached a step, or who dropped off right before it. */
import { useState } from 'preact/hooks';
import { apiPost } from '../lib/api.js';
import { useAsync } from '../lib/use-async.js';
import { formatCount, formatDateTime } from '../lib/format.js';
import type { PersonsAtStepResult } from '../lib/analysis-types.js';
import { AsyncView, Empty } from './states.js';
import { DataTable } from './data-table.js';

const PAGE_SIZE = 50;

export interface PersonsQuery {
  readonly step: number;
  readonly status: 'converted' | 'dropped';
  readonly stepLabel: string;
  readonly breakdownValue?: string;
}

export function FunnelPersons({ definition, query, onClose }: { definition: unknown; query: PersonsQuery; onClose: () => void }) {
  const [page, setPage] = useState(0);
  const body = JSON.stringify({
    definition,
    step: query.step,
    status: query.status,
    limit: PAGE_SIZE,
    offset: page * PAGE_SIZE,
    ...(query.breakdownValue !== undefined ? { breakdownValue: query.breakdownValue } : {}),
  });
  const state = useAsync((signal) => apiPost<PersonsAtStepResult>('/v1/funnel/persons', JSON.parse(body), signal), [body]);
  const title =
    query.status === 'dropped'
      ? `Dropped off before step ${query.step} (${query.stepLabel})`
      : `Reached step ${query.step} (${query.stepLabel})`;
  return (
    <section class="card persons-panel" data-testid="funnel-persons" aria-label={title}>
      <div class="panel-head">
        <h2>{title}</h2>
        <button type="button" class="btn-icon" aria-label="Close" title="Close" onClick={onClose}>
          ×
        </button>
      </div>
      <AsyncView state={state} loadingLabel="Finding persons…">
        {(r) =>
          r.total === 0 ? (
            <Empty title="Nobody here" />
          ) : (
            <>
              <div class="table-tools">
                <span class="muted" data-testid="funnel-persons-total">
                  {formatCount(r.total)} persons · showing {formatCount(page * PAGE_SIZE + 1)}–{formatCount(page * PAGE_SIZE + r.persons.length)}
                </span>
                <div class="inline">
                  <button type="button" class="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>
                    Previous
                  </button>
                  <button type="button" class="btn btn-small" disabled={(page + 1) * PAGE_SIZE >= r.total} onClick={() => setPage(page + 1)}>
                    Next
                  </button>
                </div>
              </div>
              <DataTable
                rows={r.persons}
                rowKey={(p) => p.personId}
                exportName={`funnel-step-${query.step}-${query.status}`}
                columns={[
                  { key: 'person', label: 'Person', value: (p) => p.personId },
                  { key: 'reached', label: 'Reached step', value: (p) => p.reachedStep, numeric: true },
                  { key: 'entered', label: 'Entered', value: (p) => p.enteredAt, render: (p) => formatDateTime(p.enteredAt) },
                  {
                    key: 'props',
                    label: 'Person properties',
                    value: (p) => Object.entries(p.properties).map(([k, v]) => `${k}=${v}`).join('; '),
                    render: (p) => (
                      <span class="props">
                        {Object.entries(p.properties)
                          .slice(0, 6)
                          .map(([k, v]) => (
                            <span key={k} class="prop">
                              <span class="muted">{k}</span> {v}
                            </span>
                          ))}
                      </span>
                    ),
                  },
                ]}
              />
            </>
          )
        }
      </AsyncView>
    </section>
  );
}
