/** The quarantine, readable: every rejected item with its reason and raw payload. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../store/store.js';
import type { Auth } from '../auth.js';
import { parseOr400 } from '../http-error.js';

export const rejectedQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  reason: z.string().min(1).optional(),
});

export interface RejectedItem {
  received_at: string;
  source: string;
  reason: string;
  errors: string[];
  payload: string;
  payload_truncated: boolean;
  file: string;
  line: number;
}

export async function listRejected(
  store: Store,
  projectId: string,
  q: z.infer<typeof rejectedQuerySchema>,
): Promise<{ total: number; items: RejectedItem[] }> {
  const where = `project_id = {project:String}${q.reason ? ' AND reason = {reason:String}' : ''}`;
  const params = { project: projectId, ...(q.reason ? { reason: q.reason } : {}) };
  const [count] = await store.query<{ n: string }>(
    `SELECT toString(count()) AS n FROM ${store.database}.rejected_events WHERE ${where}`,
    params,
  );
  const items = await store.query<RejectedItem>(
    `SELECT toString(received_at) AS received_at, source, reason, errors, payload, payload_truncated, file, line
     FROM ${store.database}.rejected_events WHERE ${where}
     ORDER BY received_at DESC, log_position DESC LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { ...params, limit: q.limit, offset: q.offset },
  );
  return { total: Number(count?.n ?? 0), items };
}

export function registerRejectedRoutes(app: FastifyInstance, deps: { store: Store; auth: Auth }): void {
  app.get('/v1/rejected', async (req) => {
    const project = deps.auth.secret(req);
    const q = parseOr400(rejectedQuerySchema, req.query, 'query string');
    return listRejected(deps.store, project.projectId, q);
  });
}
