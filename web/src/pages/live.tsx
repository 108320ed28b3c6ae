/**
 * Live: counters and a "high attention" top list over a sliding window, refreshed every few
 * seconds from the live API. What is counted is in the address, so a wall screen can open it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiGet, queryString } from '../lib/api.js';
import { useAsync } from '../lib/use-async.js';
import { isObject, useUrlState } from '../lib/url-state.js';
import { useEventNames, loadPropertyKeys, useMeta, type PropertyKeys } from '../lib/meta.js';
import { formatCount, formatPercent } from '../lib/format.js';
import { Combobox } from '../components/combobox.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';

const POLL_MS = 3000;
const WINDOWS = ['5m', '15m', '1h', '4h', '24h'] as const;

interface Counter {
  event: string;
  key?: string;
  value?: string;
  window: string;
}

interface TopList {
  event: string;
  key: string;
  window: string;
  limit: number;
  /** Another event counted for each listed value, side by side (views and purchases). */
  second?: string;
}

interface LiveState {
  counters: Counter[];
  top: TopList | null;
}

const EMPTY_KEYS: PropertyKeys = { event: [], person: [], columns: [] };
const fallback = (): LiveState => ({ counters: [], top: null });

function isState(v: unknown): v is LiveState {
  return (
    isObject(v) &&
    Array.isArray(v.counters) &&
    v.counters.every((c) => isObject(c) && typeof c.event === 'string' && typeof c.window === 'string') &&
    (v.top === null ||
      (isObject(v.top) && typeof v.top.event === 'string' && typeof v.top.key === 'string' && typeof v.top.window === 'string' && typeof v.top.limit === 'number'))
  );
}

export default function LivePage() {
  const [state, setState] = useUrlState('def', fallback, isState);
  const [adding, setAdding] = useState(false);
  return (
    <div class="page">
      <header class="page-header">
        <h1>Live</h1>
        <p class="muted">Sliding-window counters, refreshed every {POLL_MS / 1000} seconds.</p>
      </header>

      <section aria-label="Counters">
        <div class="live-grid">
          {state.counters.map((c, i) => (
            <LiveCounter key={`${i}:${JSON.stringify(c)}`} counter={c} onRemove={() => setState({ ...state, counters: state.counters.filter((_, j) => j !== i) })} />
          ))}
          {adding ? (
            <CounterForm
              onCancel={() => setAdding(false)}
              onAdd={(c) => {
                setState({ ...state, counters: [...state.counters, c] });
                setAdding(false);
              }}
            />
          ) : (
            <button type="button" class="card live-add" data-testid="live-add-counter" onClick={() => setAdding(true)}>
              + Add counter
            </button>
          )}
        </div>
        {state.counters.length === 0 && !adding && <p class="muted">No counters yet: add one for an event, optionally narrowed to one property value.</p>}
      </section>

      <section class="card">
        <h2>High-attention list</h2>
        <TopListView top={state.top} onChange={(top) => setState({ ...state, top })} />
      </section>
    </div>
  );
}

function describe(c: Counter): string {
  const what = c.event || 'All events';
  const where = c.key ? ` · ${c.key}${c.value !== undefined && c.value !== '' ? ` = ${c.value}` : ''}` : '';
  return `${what}${where}`;
}

function LiveCounter({ counter, onRemove }: { counter: Counter; onRemove: () => void }) {
  const state = useAsync(
    (signal) =>
      apiGet<{ count: number }>(
        `/v1/live/count${queryString({ event: counter.event, key: counter.key, value: counter.key && counter.value !== undefined && counter.value !== '' ? counter.value : undefined, window: counter.window })}`,
        signal,
      ),
    [counter.event, counter.key, counter.value, counter.window],
    POLL_MS,
  );
  const previous = useRef<number | null>(null);
  const [delta, setDelta] = useState<number | null>(null);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  useEffect(() => {
    if (state.data === undefined) return;
    if (previous.current !== null && state.data.count !== previous.current) setDelta(state.data.count - previous.current);
    previous.current = state.data.count;
    setUpdatedAt(Date.now());
  }, [state.data]);

  return (
    <div class="card live-counter" data-testid="live-counter">
      <div class="live-counter-head">
        <span class="kpi-label">{describe(counter)}</span>
        <button type="button" class="btn-icon" aria-label="Remove counter" title="Remove counter" onClick={onRemove}>
          ×
        </button>
      </div>
      {state.error ? (
        <div class="kpi-error" role="alert" data-testid="live-error">
          Live counter unavailable: {state.error.message}
        </div>
      ) : state.data === undefined ? (
        <Loading label="" />
      ) : (
        <div class="kpi-value" data-testid="live-count">
          {formatCount(state.data.count)}
        </div>
      )}
      <div class="live-foot muted">
        last {counter.window}
        {delta !== null && delta !== 0 && <span class={delta > 0 ? 'delta-up' : 'delta-down'}> {delta > 0 ? `+${formatCount(delta)}` : formatCount(delta)}</span>}
        {updatedAt !== null && <span> · {new Date(updatedAt).toLocaleTimeString('en-GB')}</span>}
      </div>
    </div>
  );
}

function CounterForm({ onAdd, onCancel }: { onAdd: (c: Counter) => void; onCancel: () => void }) {
  const names = useEventNames();
  const [c, setC] = useState<Counter>({ event: '', window: '1h' });
  const keys = useMeta(() => loadPropertyKeys(c.event ? [c.event] : []), EMPTY_KEYS, [c.event]);
  return (
    <form
      class="card live-form"
      onSubmit={(e) => {
        e.preventDefault();
        // An empty value field means any value of the property, not the value ''.
        onAdd({ event: c.event.trim(), window: c.window, ...(c.key?.trim() ? { key: c.key.trim(), ...(c.value ? { value: c.value } : {}) } : {}) });
      }}
    >
      <Combobox label="Counter event" testId="live-counter-event" value={c.event} placeholder="event (empty = all)" suggestions={names.map((n) => ({ value: n.name, count: n.count }))} onChange={(event) => setC({ ...c, event })} />
      <Combobox label="Property" value={c.key ?? ''} placeholder="property (optional)" suggestions={keys.event.map((k) => ({ value: k.key, count: k.count }))} onChange={(key) => setC({ ...c, key })} />
      {c.key && <input type="text" aria-label="Property value" placeholder="value" value={c.value ?? ''} onInput={(e) => setC({ ...c, value: (e.target as HTMLInputElement).value })} />}
      <select aria-label="Window" value={c.window} onChange={(e) => setC({ ...c, window: (e.target as HTMLSelectElement).value })}>
        {WINDOWS.map((w) => (
          <option key={w} value={w}>
            last {w}
          </option>
        ))}
      </select>
      <div class="inline">
        <button type="submit" class="btn btn-primary" data-testid="live-counter-save">
          Add
        </button>
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function TopListView({ top, onChange }: { top: TopList | null; onChange: (t: TopList | null) => void }) {
  const names = useEventNames();
  const [draft, setDraft] = useState<TopList>(top ?? { event: '', key: '', window: '4h', limit: 100 });
  const keys = useMeta(() => loadPropertyKeys(draft.event ? [draft.event] : []), EMPTY_KEYS, [draft.event]);
  const ready = top !== null && top.key !== '';
  const state = useAsync(
    ready
      ? (signal) =>
          apiGet<{ items: Array<{ value: string; count: number; secondCount?: number }> }>(
            `/v1/live/top${queryString({ event: top.event, key: top.key, window: top.window, limit: top.limit, second: top.second || undefined })}`,
            signal,
          )
      : null,
    [top?.event, top?.key, top?.window, top?.limit, top?.second],
    POLL_MS,
  );
  const max = Math.max(1, ...(state.data?.items ?? []).map((i) => i.count));
  return (
    <>
      <form
        class="inline live-top-form"
        onSubmit={(e) => {
          e.preventDefault();
          const second = draft.second?.trim();
          onChange(draft.key.trim() ? { event: draft.event.trim(), key: draft.key.trim(), window: draft.window, limit: draft.limit, ...(second ? { second } : {}) } : null);
        }}
      >
        <Combobox label="Top list event" value={draft.event} placeholder="event (empty = all)" suggestions={names.map((n) => ({ value: n.name, count: n.count }))} onChange={(event) => setDraft({ ...draft, event })} />
        <Combobox label="Top list property" value={draft.key} placeholder="property, e.g. item_id" suggestions={keys.event.map((k) => ({ value: k.key, count: k.count }))} onChange={(key) => setDraft({ ...draft, key })} />
        <Combobox label="Compare with event" value={draft.second ?? ''} placeholder="compare with event (optional)" suggestions={names.map((n) => ({ value: n.name, count: n.count }))} onChange={(second) => setDraft({ ...draft, second })} />
        <select aria-label="Top list window" value={draft.window} onChange={(e) => setDraft({ ...draft, window: (e.target as HTMLSelectElement).value })}>
          {WINDOWS.map((w) => (
            <option key={w} value={w}>
              last {w}
            </option>
          ))}
        </select>
        <button type="submit" class="btn">
          Show
        </button>
      </form>
      {!ready ? (
        <Empty title="Pick a property to rank">The most frequent values of a property (items, merchants, pages) in the window, e.g. item_id of product_viewed.</Empty>
      ) : state.error ? (
        <ErrorBox error={state.error} retry={state.reload} title="Live top list unavailable" />
      ) : state.data === undefined ? (
        <Loading />
      ) : state.data.items.length === 0 ? (
        <Empty title="Nothing in this window">No {top.event || 'event'} with {top.key} in the last {top.window}.</Empty>
      ) : (
        <table class="data-table top-list" data-testid="live-top">
          <thead>
            <tr>
              <th class="num">#</th>
              <th>{top.key}</th>
              <th class="num">{top.event || 'Events'}</th>
              {top.second && (
                <>
                  <th class="num">{top.second}</th>
                  <th class="num">Ratio</th>
                </>
              )}
              <th class="bar-col" aria-hidden="true" />
            </tr>
          </thead>
          <tbody>
            {state.data.items.map((item, i) => (
              <tr key={item.value}>
                <td class="num muted">{i + 1}</td>
                <td>{item.value || '(empty)'}</td>
                <td class="num">{formatCount(item.count)}</td>
                {top.second && (
                  <>
                    <td class="num">{formatCount(item.secondCount ?? 0)}</td>
                    <td class="num">{formatPercent(item.count > 0 ? (item.secondCount ?? 0) / item.count : null)}</td>
                  </>
                )}
                <td class="bar-col">
                  <span class="bar" style={{ width: `${(item.count / max) * 100}%` }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
