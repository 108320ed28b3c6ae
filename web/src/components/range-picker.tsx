/** Preset ranges plus custom dates; custom dates start from what the preset covered. */
import { PRESETS, resolveRange, type Preset, type Range } from '../lib/range.js';
import { useProject } from '../lib/project.js';

export function RangePicker({ value, onChange, allowAll = true }: { value: Range; onChange: (r: Range) => void; allowAll?: boolean }) {
  const project = useProject();
  const custom = 'from' in value;
  const resolved = resolveRange(value, project.timezone);
  return (
    <div class="range-picker">
      <select
        aria-label="Date range"
        data-testid="range-preset"
        value={custom ? 'custom' : value.preset}
        onChange={(e) => {
          const v = (e.target as HTMLSelectElement).value;
          if (v === 'custom') {
            const r = resolveRange({ preset: '30d' }, project.timezone);
            onChange({ from: resolved.from ?? r.from ?? '', to: resolved.to ?? r.to ?? '' });
          } else onChange({ preset: v as Preset });
        }}
      >
        {PRESETS.filter((p) => allowAll || p.days !== null).map((p) => (
          <option key={p.value} value={p.value}>
            {p.label}
          </option>
        ))}
        <option value="custom">Custom dates</option>
      </select>
      {custom && (
        <>
          <input type="date" aria-label="From" value={value.from} max={value.to} onChange={(e) => onChange({ from: (e.target as HTMLInputElement).value, to: value.to })} />
          <span class="muted">to</span>
          <input type="date" aria-label="To" value={value.to} min={value.from} onChange={(e) => onChange({ from: value.from, to: (e.target as HTMLInputElement).value })} />
        </>
      )}
    </div>
  );
}
