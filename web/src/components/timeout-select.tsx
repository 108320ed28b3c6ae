/** The inactivity timeout that ends a session, shared by the pages that sessionize. */

export const SESSION_TIMEOUTS = ['5m', '15m', '30m', '1h', '2h'];

export function TimeoutSelect({ value, onChange }: { value: string; onChange: (timeout: string) => void }) {
  return (
    <label class="control">
      <span class="control-label">Session ends after</span>
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {SESSION_TIMEOUTS.map((t) => (
          <option key={t} value={t}>
            {t} of inactivity
          </option>
        ))}
      </select>
    </label>
  );
}
