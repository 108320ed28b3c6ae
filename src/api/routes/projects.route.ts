/** Project administration, behind the instance admin key (the CLI uses it while a server runs). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ProjectRegistry } from '../../projects/project-registry.js';
import { isValidTimezone } from '../../projects/project-registry.js';
import type { Auth } from '../auth.js';
import { jsonBody } from '../body.js';
import { parseOr400 } from '../http-error.js';

export const createProjectSchema = z.object({
  name: z.string().trim().min(1).max(200),
  timezone: z.string().refine(isValidTimezone, 'unknown time zone; use an IANA name such as Europe/Berlin').default('UTC'),
});

export function registerProjectRoutes(app: FastifyInstance, deps: { registry: ProjectRegistry; auth: Auth }): void {
  app.post('/v1/projects', async (req, reply) => {
    deps.auth.admin(req);
    const body = parseOr400(createProjectSchema, jsonBody(req, 64 * 1024), 'project');
    const created = await deps.registry.create(body.name, { timezone: body.timezone });
    reply.code(201);
    return created;
  });
  app.get('/v1/projects', async (req) => {
    deps.auth.admin(req);
    return { projects: deps.registry.list() };
  });
}
