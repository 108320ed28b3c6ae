/** `POST /v1/query/{analysis}`: one route for every analysis, validated by its own schema. */
import type { FastifyInstance } from 'fastify';
import type { AnalysisRegistry } from '../../analyses/registry.js';
import type { Store } from '../../store/store.js';
import type { Auth } from '../auth.js';
import { jsonBody } from '../body.js';
import { HttpError, parseOr400 } from '../http-error.js';
import { ExportUnsupportedError, exportResult } from '../../analyses/export-result.js';
import { runAnalysis } from '../../analyses/kernel/run-analysis.js';

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
    return runAnalysis(analysis, ctx, definition);
  });

  // Same definition, answered as a file: POST /v1/query/engagement/export?format=parquet
  app.post<{ Params: { name: string }; Querystring: { format?: string } }>('/v1/query/:name/export', async (req, reply) => {
    const project = deps.auth.secret(req);
    const analysis = deps.analyses.get(req.params.name);
    if (!analysis) {
      throw new HttpError(404, `unknown analysis "${req.params.name}"; available: ${deps.analyses.names().join(', ')}`);
    }
    const format = req.query.format ?? 'csv';
    if (format !== 'csv' && format !== 'parquet') throw new HttpError(400, `format must be csv or parquet (got "${format}")`);
    const definition = parseOr400(analysis.schema, jsonBody(req, 1024 * 1024), `${analysis.name} definition`);
    const ctx = { store: deps.store, projectId: project.projectId, timezone: project.timezone, now: deps.now };
    let bytes: Uint8Array;
    try {
      bytes = await exportResult(analysis, ctx, definition, format);
    } catch (err) {
      if (err instanceof ExportUnsupportedError) throw new HttpError(400, err.message);
      throw err;
    }
    reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet')
      .header('content-disposition', `attachment; filename="${analysis.name}.${format}"`);
    return reply.send(Buffer.from(bytes));
  });
}
