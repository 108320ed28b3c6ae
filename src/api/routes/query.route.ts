/** `POST /v1/query/{analysis}`: one route for every analysis, validated by its own schema. */
import type { FastifyInstance } from 'fastify';
import type { AnalysisRegistry } from '../../analyses/registry.js';
import type { Store } from '../../store/store.js';
import type { Auth } from '../auth.js';
import { jsonBody } from '../body.js';
import { HttpError, parseOr400 } from '../http-error.js';

export function registerQueryRoutes(
  app: FastifyInstance,
  deps: { store: Store; auth: Auth; analyses: AnalysisRegistry; now: () => number },
): void {
  app.post<{ Params: { name: string } }>('/v1/query/:name', async (req) => {
    const project = deps.auth.secret(req);
    const analysis = deps.analyses.get(req.params.name);
    if (!analysis) {
      throw new HttpError(404, `unknown analysis "${req.params.name}"; available: ${deps.analyses.names().join(', ')}`);
    }
    const definition = parseOr400(analysis.schema, jsonBody(req, 1024 * 1024), `${analysis.name} definition`);
    const ctx = { store: deps.store, projectId: project.projectId, timezone: project.timezone, now: deps.now };
    return analysis.run(ctx, definition);
  });
}
