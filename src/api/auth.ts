/**
 * Who is calling. Write keys (public) may only send events; secret keys read and administer one
 * project; live keys read live counters only; the admin key (a file in the data directory)
 * manages projects.
 */
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Project, ProjectRegistry } from '../projects/project-registry.js';
import { HttpError } from './http-error.js';

/** The write key from HTTP Basic (`writeKey:` as the username) or a `writeKey` body field. */
export function writeKeyOf(req: FastifyRequest, body: unknown): string | undefined {
  const header = req.headers.authorization;
  if (header && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const user = decoded.split(':')[0];
    if (user) return user;
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const key = (body as Record<string, unknown>).writeKey;
    if (typeof key === 'string' && key.length > 0) return key;
  }
  const q = (req.query as Record<string, unknown> | undefined)?.writeKey;
  return typeof q === 'string' && q.length > 0 ? q : undefined;
}

function bearerOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1]?.trim();
}

/**
 * Resolves the project of a secret key, or answers 401/403 with what to do instead. The instance
 * admin key may act for any project named in the `x-clickpath-project` header (the CLI does).
 */
export function requireSecret(req: FastifyRequest, registry: ProjectRegistry, adminKey?: string): Project {
  const key = bearerOf(req);
  if (!key) throw new HttpError(401, 'this endpoint needs the project secret key: send "Authorization: Bearer sk_..."', {}, { 'www-authenticate': 'Bearer' });
  const project = registry.bySecret(key);
  if (project) return project;
  if (adminKey && safeEqual(key, adminKey)) {
    const id = req.headers['x-clickpath-project'];
    const named = typeof id === 'string' ? registry.get(id) : undefined;
    if (!named) throw new HttpError(404, `the admin key needs an existing project in the x-clickpath-project header (got "${String(id ?? '')}")`);
    return named;
  }
  if (registry.byWrite(key) || registry.byLive(key)) {
    throw new HttpError(403, 'this key can only write events (or read live counters); reading needs the project secret key (sk_...)');
  }
  throw new HttpError(401, 'unknown secret key', {}, { 'www-authenticate': 'Bearer' });
}

/** Secret key or the project's public live key (live endpoints only). */
export function requireLiveOrSecret(req: FastifyRequest, registry: ProjectRegistry): Project {
  const key = bearerOf(req) ?? ((req.query as Record<string, unknown> | undefined)?.key as string | undefined);
  if (!key) throw new HttpError(401, 'live endpoints need the project live key or secret key ("Authorization: Bearer lk_..." or ?key=lk_...)');
  const project = registry.byLive(key) ?? registry.bySecret(key);
  if (project) return project;
  if (registry.byWrite(key)) throw new HttpError(403, 'a write key can only send events; use the live key (lk_...) or the secret key');
  throw new HttpError(401, 'unknown live or secret key');
}

function safeEqual(x: string, y: string): boolean {
  const a = Buffer.from(x);
  const b = Buffer.from(y);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function requireAdmin(req: FastifyRequest, adminKey: string): void {
  const key = bearerOf(req);
  if (!key || !safeEqual(key, adminKey)) {
    throw new HttpError(401, 'this endpoint needs the instance admin key (the admin-key file in the data directory)');
  }
}

/** The request authenticator the routes share. */
export class Auth {
  constructor(readonly registry: ProjectRegistry, private readonly adminKey: string) {}

  secret(req: FastifyRequest): Project {
    return requireSecret(req, this.registry, this.adminKey);
  }

  live(req: FastifyRequest): Project {
    return requireLiveOrSecret(req, this.registry);
  }

  admin(req: FastifyRequest): void {
    requireAdmin(req, this.adminKey);
  }
}
