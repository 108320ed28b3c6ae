/** Sign-in: the project's secret key, kept in this browser until "Sign out". */
import { useState } from 'preact/hooks';

export function Login({ onSubmit, message }: { onSubmit: (key: string) => void; message?: string }) {
  const [key, setKeyText] = useState('');
  return (
    <div class="center-screen">
      <form
        class="login card"
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) onSubmit(key.trim());
        }}
      >
        <h1>
          <span class="brand-mark" aria-hidden="true" /> Clickpath
        </h1>
        <p class="muted">Open a project's dashboard with its secret key.</p>
        <label>
          Secret key
          <input
            type="password"
            name="secret-key"
            autocomplete="off"
            placeholder="sk_..."
            value={key}
            onInput={(e) => setKeyText((e.target as HTMLInputElement).value)}
            autoFocus
          />
        </label>
        {message && (
          <p class="error-text" role="alert">
            {message}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={!key.trim()}>
          Open dashboard
        </button>
        <p class="hint">
          <code>clickpath project create NAME</code> prints a project's keys once; <code>clickpath demo</code> prints a link that signs in directly. The key is
          kept in this browser only.
        </p>
      </form>
    </div>
  );
}
