/** The quarantine: every rejected event with why it was rejected and what was sent. */
import { useState } from 'preact/hooks';
import { apiGet, queryString } from '../lib/api.js';
import { useAsync } from '../lib/use-async.js';
import { isObject, useUrlState } from '../lib/url-state.js';
import { formatCount, formatDateTime } from '../lib/format.js';
import { AsyncView, Empty } from '../components/states.js';

const PAGE_SIZE = 50;

interface RejectedItem {
  received_at: string;
  source: string;
  reason: string;
  errors: string[];
  payload: string;
  payload_truncated: boolean;
  file: string;
  line: number;
}

interface RejectedState {
  reason: string;
  page: number;
}

const fallback = (): RejectedState => ({ reason: '', page: 0 });
const isState = (v: unknown): v is RejectedState => isObject(v) && typeof v.reason === 'string' && typeof v.page === 'number' && v.page >= 0;

export default function RejectedPage() {
  const [state, setState] = useUrlState('def', fallback, isState);
  const [reasonText, setReasonText] = useState(state.reason);
  const data = useAsync(
    (signal) =>
      apiGet<{ total: number; items: RejectedItem[] }>(
        `/v1/rejected${queryString({ limit: PAGE_SIZE, offset: state.page * PAGE_SIZE, reason: state.reason || undefined })}`,
        signal,
      ),
    [state.reason, state.page],
  );
  return (
    <div class="page">
      <header class="page-header">
        <h1>Quarantine</h1>
        <p class="muted">Events the server could not store, newest first, with the payload as it arrived.</p>
      </header>
      <form
        class="card inline"
        onSubmit={(e) => {
          e.preventDefault();
          setState({ reason: reasonText.trim(), page: 0 });
        }}
      >
        <label class="inline">
          Reason
          <input type="text" placeholder="e.g. missing_event" value={reasonText} onInput={(e) => setReasonText((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="btn">
          Filter
        </button>
        {state.reason && (
          <button
            type="button"
            class="btn-link"
            onClick={() => {
              setReasonText('');
              setState({ reason: '', page: 0 });
            }}
          >
            Clear
          </button>
        )}
      </form>
      <AsyncView state={data}>
        {(d) =>
          d.total === 0 ? (
            <Empty title={state.reason ? `No rejected events with reason “${state.reason}”` : 'Nothing rejected'}>Every event sent to this project so far was stored.</Empty>
          ) : (
            <section class="card">
              <div class="table-tools">
                <span class="muted" data-testid="rejected-total">
                  {formatCount(d.total)} rejected · showing {formatCount(state.page * PAGE_SIZE + 1)}–{formatCount(state.page * PAGE_SIZE + d.items.length)}
                </span>
                <div class="inline">
                  <button type="button" class="btn btn-small" disabled={state.page === 0} onClick={() => setState({ ...state, page: state.page - 1 })}>
                    Newer
                  </button>
                  <button type="button" class="btn btn-small" disabled={(state.page + 1) * PAGE_SIZE >= d.total} onClick={() => setState({ ...state, page: state.page + 1 })}>
                    Older
                  </button>
                </div>
              </div>
              <table class="data-table" data-testid="rejected-list">
                <thead>
                  <tr>
                    <th>Received</th>
                    <th>Reason</th>
                    <th>Errors</th>
                    <th>Payload</th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((item, i) => (
                    <tr key={i}>
                      <td class="nowrap">{formatDateTime(`${item.received_at.replace(' ', 'T')}Z`)}</td>
                      <td>
                        <code>{item.reason}</code>
                        <div class="muted small">{item.source}</div>
                      </td>
                      <td>
                        <ul class="plain">
                          {item.errors.map((e, j) => (
                            <li key={j}>{e}</li>
                          ))}
                        </ul>
                      </td>
                      <td>
                        <details>
                          <summary>{item.payload.length.toLocaleString('en-US')} characters{item.payload_truncated ? ' (truncated)' : ''}</summary>
                          <pre class="payload">{item.payload}</pre>
                        </details>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )
        }
      </AsyncView>
    </div>
  );
}
