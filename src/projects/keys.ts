/** Key formats. The prefix tells a person (and the auth layer) what a key can do. */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** Public: can only ingest. Safe to ship inside an app or web page. */
export const newWriteKey = (): string => `wk_${randomToken(24)}`;
/** Private: reads and administers a project. Stored only as a hash. */
export const newSecretKey = (): string => `sk_${randomToken(40)}`;
/** Public read-only key for live counters (safe to embed; reveals only live counts). */
export const newLiveKey = (): string => `lk_${randomToken(24)}`;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
