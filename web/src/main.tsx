/** Entry: takes a key handed over in the address (`/?key=sk_...`), removes it at once, renders. */
import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

function takeKeyFromAddress(): string | null {
  const params = new URLSearchParams(window.location.search);
  const key = params.get('key');
  if (key === null) return null;
  params.delete('key');
  const rest = params.toString();
  // The key must not stay in the address bar, the history or a bookmark.
  window.history.replaceState(null, '', window.location.pathname + (rest ? `?${rest}` : '') + window.location.hash);
  return key.trim() || null;
}

const root = document.getElementById('app');
if (root) render(<App handedKey={takeKeyFromAddress()} />, root);
