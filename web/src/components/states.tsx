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

/** Shows loading / error / children; keeps stale data visible under a thin bar while refreshing. */
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
      {children(state.data)}
    </div>
  );
}
