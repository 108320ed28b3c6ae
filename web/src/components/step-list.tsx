/** An ordered list of event names (funnel steps, intent/success events) with autocomplete. */
import { Combobox } from './combobox.js';
import { useEventNames } from '../lib/meta.js';

export function EventList({
  events,
  onChange,
  min = 0,
  numbered = false,
  addLabel = '+ Add event',
  testId,
  movable = false,
}: {
  events: readonly string[];
  onChange: (events: string[]) => void;
  min?: number;
  numbered?: boolean;
  addLabel?: string;
  testId?: string;
  movable?: boolean;
}) {
  const names = useEventNames();
  const suggestions = names.map((n) => ({ value: n.name, count: n.count }));
  const set = (i: number, v: string): void => onChange(events.map((e, j) => (j === i ? v : e)));
  const move = (i: number, by: number): void => {
    const next = [...events];
    const [x] = next.splice(i, 1);
    if (x !== undefined) next.splice(i + by, 0, x);
    onChange(next);
  };
  return (
    <div class="event-list" data-testid={testId}>
      {events.map((e, i) => (
        <div class="event-row" key={i}>
          {numbered && <span class="step-badge">{i + 1}</span>}
          <Combobox label={numbered ? `Step ${i + 1} event` : 'Event'} testId={testId ? `${testId}-${i + 1}` : undefined} value={e} placeholder="event name" suggestions={suggestions} onChange={(v) => set(i, v)} />
          {movable && (
            <>
              <button type="button" class="btn-icon" aria-label="Move up" title="Move up" disabled={i === 0} onClick={() => move(i, -1)}>
                ↑
              </button>
              <button type="button" class="btn-icon" aria-label="Move down" title="Move down" disabled={i === events.length - 1} onClick={() => move(i, 1)}>
                ↓
              </button>
            </>
          )}
          <button type="button" class="btn-icon" aria-label="Remove" title="Remove" disabled={events.length <= min} onClick={() => onChange(events.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" class="btn-link" data-testid={testId ? `${testId}-add` : undefined} onClick={() => onChange([...events, ''])}>
        {addLabel}
      </button>
    </div>
  );
}
