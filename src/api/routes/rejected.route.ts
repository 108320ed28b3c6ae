/** The quarantine, readable: every rejected item with its reason and raw payload. */
import { queryRows } from '../../analyses/kernel/run.js';
import { ProjectScope } from '../../analyses/kernel/scope.js';
import { sql, str, uint32 } from '../../analyses/kernel/sql.js';
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
  const scope = new ProjectScope(store.database, projectId);
  const rows = scope.rows('rejected_events', q.reason ? sql`reason = ${str(q.reason)}` : sql``);
  const [count] = await queryRows<{ n: string }>(store, sql`SELECT toString(count()) AS n FROM ${rows}`);
  const items = await queryRows<RejectedItem>(store, sql`
    SELECT toString(received_at) AS received_at, source, reason, errors, payload, payload_truncated, file, line
     FROM ${rows}
     ORDER BY received_at DESC, log_position DESC LIMIT ${uint32(q.limit)} OFFSET ${uint32(q.offset)}`);
  return { total: Number(count?.n ?? 0), items };
}

export function registerRejectedRoutes(app: FastifyInstance, deps: { store: Store; auth: Auth }): void {
  app.get('/v1/rejected', async (req) => {
    const project = deps.auth.secret(req);
    const q = parseOr400(rejectedQuerySchema, req.query, 'query string');
    return listRejected(deps.store, project.projectId, q);
  });
}
