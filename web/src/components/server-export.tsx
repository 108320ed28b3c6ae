/**
 * Downloads of a whole result as the server writes it (`POST /v1/query/{analysis}/export`): every
 * row, not just the page on screen, as CSV or Parquet for a BI tool.
 */
import { useState } from 'preact/hooks';
import { apiDownload } from '../lib/api.js';
import { downloadBlob } from '../lib/download.js';

export function ServerExport({ analysis, definition, formats = ['csv', 'parquet'] }: { analysis: string; definition: unknown; formats?: ReadonlyArray<'csv' | 'parquet'> }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const get = (format: 'csv' | 'parquet'): void => {
    setBusy(format);
    setError(null);
    apiDownload(`/v1/query/${encodeURIComponent(analysis)}/export?format=${format}`, definition).then(
      ({ blob, filename }) => {
        setBusy(null);
        downloadBlob(filename ?? `${analysis}.${format}`, blob);
      },
      (err: Error) => {
        setBusy(null);
        setError(err.message);
      },
    );
  };
  return (
    <span class="inline server-export">
      <span class="muted small">All rows:</span>
      {formats.map((f) => (
        <button key={f} type="button" class="btn btn-small" disabled={busy !== null} onClick={() => get(f)}>
          {busy === f ? 'Preparing…' : f === 'csv' ? 'CSV' : 'Parquet'}
        </button>
      ))}
      {error && <span class="error-text small" role="alert">{error}</span>}
    </span>
  );
}
