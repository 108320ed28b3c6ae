/**
 * Every data call of the dashboard: the project's secret key as a Bearer token (the key selects
 * the project), JSON in and out, and the server's error text kept so the page can show it.
 */
const STORAGE_KEY = 'clickpath.secretKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let secretKey: string | null = readStoredKey();
const listeners = new Set<() => void>();

function readStoredKey(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function currentKey(): string | null {
  return secretKey;
}

export function setKey(key: string | null): void {
  secretKey = key;
  try {
    if (key === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Private windows may refuse storage; the key still works for this page load.
  }
  for (const l of listeners) l();
}

/** Called when the key changes or the server stops accepting it. */
export function onKeyChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function send(method: Method, path: string, body: unknown, signal?: AbortSignal, key = secretKey): Promise<Response> {
  if (!key) throw new ApiError(401, 'no secret key');
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  const init: RequestInit = { method, headers, ...(signal ? { signal } : {}) };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'the Clickpath server cannot be reached; is it running?');
  }
  if (!res.ok) {
    const text = await res.text();
    let message = `${res.status} ${res.statusText}`;
    try {
      const json: unknown = JSON.parse(text);
      if (json !== null && typeof json === 'object' && typeof (json as { error?: unknown }).error === 'string') message = (json as { error: string }).error;
    } catch {
      // Not JSON (a proxy's error page): the status line says enough.
    }
    // Only a rejected key logs out; a 401 from a route the key is fine for cannot happen.
    if (res.status === 401 && key === secretKey) setKey(null);
    throw new ApiError(res.status, message);
  }
  return res;
}

async function request<T>(method: Method, path: string, body: unknown, signal?: AbortSignal, key = secretKey): Promise<T> {
  const res = await send(method, path, body, signal, key);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>('GET', path, undefined, signal);
}

export function apiPost<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>('POST', path, body, signal);
}

export function apiPatch<T>(path: string, body: unknown): Promise<T> {
  return request<T>('PATCH', path, body);
}

export function apiDelete<T>(path: string): Promise<T> {
  return request<T>('DELETE', path, undefined);
}

/** A file the server sends (exports), with the name it suggests; a body makes it a POST. */
export async function apiDownload(path: string, body?: unknown): Promise<{ blob: Blob; filename: string | null }> {
  const res = await send(body === undefined ? 'GET' : 'POST', path, body);
  const disposition = res.headers.get('content-disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? null;
  return { blob: await res.blob(), filename };
}

/** `POST /v1/query/{analysis}` with a definition. */
export function runQuery<T>(analysis: string, definition: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>('POST', `/v1/query/${encodeURIComponent(analysis)}`, definition, signal);
}

/** Checks a key before keeping it: resolves to the project status or throws. */
export function checkKey<T>(key: string): Promise<T> {
  return request<T>('GET', '/v1/status', undefined, undefined, key);
}

/** `?a=1&b=x` from an object, skipping empty values; arrays repeat the key. */
export function queryString(params: Record<string, string | number | boolean | readonly string[] | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
