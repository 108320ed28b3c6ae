/**
 * Deterministic event ids: a retried message must map to the id of its first delivery so the
 * loader's dedup index (`event_ids`) drops the copy.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './json-values.js';

/** Fixed namespace for Clickpath event ids (RFC 4122 name-based, SHA-1, i.e. version 5). */
const NAMESPACE = Buffer.from('5f35be7dd11b4084897ec50789fa9f40', 'hex');

/** RFC 4122 version-5 UUID of `name` in Clickpath's namespace. */
export function uuidV5(name: string): string {
  const digest = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  const b = digest.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The project id is length-prefixed so no (project, messageId) pair can spell another pair's name.
function scoped(projectId: string, kind: 'm' | 'h', rest: string): string {
  return `${projectId.length}:${projectId}:${kind}:${rest}`;
}

/** The id of a message that carries a messageId (numbers already coerced to their text). */
export function eventIdFromMessageId(projectId: string, messageId: string): string {
  return uuidV5(scoped(projectId, 'm', messageId));
}

/**
 * The id of a message without a messageId: a hash of the message as the client sent it, with
 * object keys sorted and `sentAt` left out (SDKs restamp sentAt on every retry). Identical
 * retries therefore dedupe; so do two genuinely identical messages, which without a messageId
 * or a distinguishing timestamp cannot be told apart anyway. Batch-level context is not part
 * of the hash: it describes the delivery, not the message.
 */
export function eventIdFromContent(projectId: string, rawMessage: Record<string, unknown>): string {
  const { sentAt: _ignored, ...rest } = rawMessage;
  return uuidV5(scoped(projectId, 'h', canonicalJson(rest)));
}
