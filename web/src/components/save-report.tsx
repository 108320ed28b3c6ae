/**
 * "Save as report": the definition a page shows becomes a saved report (`POST /v1/reports`) with
 * an optional schedule. The range can stay as shown, keep moving with today (recomputed whole),
 * or run open-ended from its first day; the server says which of these an analysis supports.
 */
import { useState } from 'preact/hooks';
import { apiPost } from '../lib/api.js';
import { useFeatures } from '../lib/features.js';
import { linkHandler } from '../lib/router.js';

export const SCHEDULES: ReadonlyArray<{ cron: string | null; label: string }> = [
  { cron: null, label: 'Only when run by hand' },
  { cron: '0 * * * *', label: 'Every hour' },
  { cron: '0 6 * * *', label: 'Every day at 06:00' },
  { cron: '0 6 * * 1', label: 'Every Monday at 06:00' },
  { cron: '0 6 1 * *', label: 'On the 1st of each month at 06:00' },
];

type RangeMode = 'fixed' | 'rolling' | 'open';

/** A report name the API accepts, from a page's wording. */
export function reportName(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 100);
  return slug || 'report';
}

export function SaveReport({
  analysis,
  definition,
  suggestedName,
  rollingDays,
}: {
  analysis: string;
  definition: Record<string, unknown>;
  suggestedName: string;
  /** Days of a relative range (`Last 30 days`), null for fixed dates or all time. */
  rollingDays: number | null;
}) {
  const features = useFeatures();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [schedule, setSchedule] = useState<string>('0 6 * * *');
  const [mode, setMode] = useState<RangeMode>('fixed');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  if (!features.reports) return null;
  const hasRange = typeof definition.from === 'string' && typeof definition.to === 'string';

  const body = (): Record<string, unknown> => {
    const { from, to: _to, ...rest } = definition;
    const def = mode === 'rolling' ? rest : mode === 'open' ? { ...rest, from } : definition;
    return {
      name: name || reportName(suggestedName),
      analysis,
      definition: def,
      schedule: schedule === '' ? null : schedule,
      ...(mode === 'rolling' && rollingDays !== null ? { rollingDays } : {}),
    };
  };

  if (!open) {
    return (
      <div class="save-report">
        <button
          type="button"
          class="btn"
          data-testid="save-report"
          onClick={() => {
            setOpen(true);
            setSaved(null);
            setError(null);
            setName(reportName(suggestedName));
          }}
        >
          Save as report
        </button>
        {saved && (
          <span class="muted">
            Saved as <a href="/reports" onClick={linkHandler('/reports')}>{saved}</a>
          </span>
        )}
      </div>
    );
  }
  return (
    <form
      class="card save-report-form"
      data-testid="save-report-form"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        const b = body();
        apiPost<{ name: string }>('/v1/reports', b).then(
          (r) => {
            setBusy(false);
            setOpen(false);
            setSaved(r.name);
          },
          (err: Error) => {
            setBusy(false);
            setError(err.message);
          },
        );
      }}
    >
      <h2>Save as report</h2>
      <label class="control">
        <span class="control-label">Name</span>
        <input type="text" name="report-name" value={name} maxLength={100} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label class="control">
        <span class="control-label">Runs</span>
        <select value={schedule} onChange={(e) => setSchedule((e.target as HTMLSelectElement).value)}>
          {SCHEDULES.map((s) => (
            <option key={s.label} value={s.cron ?? ''}>
              {s.label}
            </option>
          ))}
        </select>
        <span class="hint">Times are in the project's time zone. A run recomputes only what new data changed where the analysis allows it.</span>
      </label>
      {hasRange && (
        <fieldset class="control plain-fieldset">
          <legend class="control-label">Range</legend>
          <label class="checkbox">
            <input type="radio" name="range-mode" checked={mode === 'fixed'} onChange={() => setMode('fixed')} />
            as shown: {String(definition.from)} – {String(definition.to)}
          </label>
          {rollingDays !== null && (
            <label class="checkbox">
              <input type="radio" name="range-mode" checked={mode === 'rolling'} onChange={() => setMode('rolling')} />
              always the last {rollingDays} days
            </label>
          )}
          <label class="checkbox">
            <input type="radio" name="range-mode" checked={mode === 'open'} onChange={() => setMode('open')} />
            from {String(definition.from)} onwards
          </label>
        </fieldset>
      )}
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      <div class="inline">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save report'}
        </button>
        <button type="button" class="btn" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
