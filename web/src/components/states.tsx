/** The three states every data view has besides its result: loading, failed, and nothing to show. */
import type { ComponentChildren } from 'preact';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorBox({ error, retry, title = 'Could not load this view' }: { error: Error; retry?: () => void; title?: string }) {
  return (
    <div class="state state-error" role="alert">
      <strong>{title}</strong>
      <p class="error-text">{error.message}</p>
      {retry && (
        <button type="button" class="btn" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <strong>{title}</strong>
      {children && <div class="muted">{children}</div>}
    </div>
  );
}

/**
 * `meta.warnings` of a query result (names the data does not have, a name read as a person
 * property): the CLI prints them on stderr, the page shows them next to the result it qualifies.
 */
export function warningsOf(data: unknown): readonly string[] {
  const meta = (data as { meta?: { warnings?: unknown } } | null)?.meta;
  return Array.isArray(meta?.warnings) ? meta.warnings.filter((w): w is string => typeof w === 'string') : [];
}

export function Warnings({ warnings }: { warnings: readonly string[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul class="result-warnings" data-testid="result-warnings" aria-label="Warnings">
      {warnings.map((w) => (
        <li key={w}>{w}</li>
      ))}
    </ul>
  );
}

/**
 * Shows loading / error / children; keeps stale data visible under a thin bar while refreshing.
 * A result's warnings go above it, so every query page shows them without asking.
 */
export function AsyncView<T>({
  state,
  children,
  loadingLabel,
}: {
  state: { data: T | undefined; error: Error | undefined; loading: boolean; reload: () => void };
  children: (data: T) => ComponentChildren;
  loadingLabel?: string;
}) {
  if (state.error) return <ErrorBox error={state.error} retry={state.reload} />;
  if (state.data === undefined) return state.loading ? <Loading {...(loadingLabel ? { label: loadingLabel } : {})} /> : null;
  return (
    <div class={state.loading ? 'refreshing' : undefined} aria-busy={state.loading}>
      <Warnings warnings={warningsOf(state.data)} />
      {children(state.data)}
    </div>
  );
}
