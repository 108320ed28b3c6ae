/**
 * `POST /v1/funnel/persons`: the persons behind one bar of a funnel (who reached step k, or who
 * reached step k-1 and dropped before k), a page at a time. The dashboard opens it from a click
 * on a step's drop-off. Body: `{ definition, step, status, limit?, offset?, breakdownValue? }`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Auth } from '../api/auth.js';
import { jsonBody } from '../api/body.js';
import { HttpError, parseOr400 } from '../api/http-error.js';
import type { Store } from '../store/store.js';
import { funnelDefinitionSchema, personsAtStep, personsOptionIssues } from '../analyses/funnel/index.js';
import { MAX_PERSONS_LIMIT } from '../analyses/funnel/persons.js';

const bodySchema = z.strictObject({
  definition: funnelDefinitionSchema,
  step: z.number().int().min(1),
  status: z.enum(['converted', 'dropped']),
  limit: z.number().int().min(1).max(MAX_PERSONS_LIMIT).optional(),
  offset: z.number().int().min(0).optional(),
  breakdownValue: z.string().max(10_000).optional(),
});

export function registerFunnelPersonsRoute(app: FastifyInstance, deps: { store: Store; auth: Auth; now: () => number }): void {
  app.post('/v1/funnel/persons', async (req) => {
    const project = deps.auth.secret(req);
    const body = parseOr400(bodySchema, jsonBody(req, 1024 * 1024), 'funnel persons request');
    const { definition, ...options } = body;
    const issues = personsOptionIssues(definition, options);
    if (issues.length > 0) {
      throw new HttpError(400, `invalid funnel persons request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    }
    const ctx = { store: deps.store, projectId: project.projectId, timezone: project.timezone, now: deps.now };
    return personsAtStep(ctx, definition, options);
  });
}
