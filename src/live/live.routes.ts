/**
 * HTTP endpoints of live counters and top lists:
 *   GET  /v1/live/count    one counter (or one per `value`)       live or secret key
 *   POST /v1/live/counts   many counters in one request            live or secret key
 *   GET  /v1/live/top      items ranked by count in the window     live or secret key
 *   GET  /v1/live/is-top   whether one item is in the top list     live or secret key
 *   GET  /v1/live/top/history, /v1/live/top/schedules (GET, PUT, DELETE), POST /v1/live/top/snapshots
 *                          saved top lists and their schedules     secret key
 * On these endpoints `key` names the property, so the API key travels in the Authorization
 * header only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Auth } from '../api/auth.js';
import type { Project } from '../projects/project-registry.js';
import { HttpError, parseOr400 } from '../api/http-error.js';
import { jsonBody } from '../api/body.js';
import type { CountReader } from './view-reader.js';
import type { LiveQueries } from './live-queries.js';
import type { TopSnapshots, SnapshotSpec } from './top-snapshots.js';
import { windowRange } from './live-window.js';
import { countQuery, countsBody, historyQuery, isTopQuery, scheduleBody, scheduleKey, topQuery } from './live-params.js';

export interface LiveRouteDeps {
  readonly reader: CountReader;
  readonly queries: LiveQueries;
  readonly snapshots: TopSnapshots;
  readonly auth: Auth;
  readonly now: () => number;
}

function liveProject(req: FastifyRequest, auth: Auth): Project {
  if (!req.headers.authorization) {
    throw new HttpError(401, 'live endpoints need the project live key or secret key in the header: "Authorization: Bearer lk_..." (here ?key= names the property)', {}, { 'www-authenticate': 'Bearer' });
  }
  return auth.live(req);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** (from, to]: the window's exclusive start and inclusive end. */
function windowFields(window: { text: string; ms: number }, end: number): Record<string, string> {
  return { window: window.text, from: iso(end - window.ms), to: iso(end) };
}

export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const { reader, queries, snapshots, auth, now } = deps;

  app.get('/v1/live/count', async (req) => {
    const project = liveProject(req, auth);
    const q = parseOr400(countQuery, req.query, 'counter');
    const values = q.value ?? [null];
    // Submitted together, the values share one run and so one window end.
    const answers = await Promise.all(values.map((value) => queries.counter(project.projectId, {
      event: q.event, key: q.key ?? null, value, windowMs: q.window.ms, persons: q.persons,
    })));
    const end = answers[0]!.end;
    const head = { event: q.event, key: q.key ?? null, ...windowFields(q.window, end) };
    if (values.length === 1) return { ...head, value: values[0], count: answers[0]!.count, ...personsOf(answers[0]!) };
    return { ...head, counts: values.map((value, i) => ({ value, count: answers[i]!.count, ...personsOf(answers[i]!) })) };
  });

  app.post('/v1/live/counts', async (req) => {
    const project = liveProject(req, auth);
    const body = parseOr400(countsBody, jsonBody(req, 1024 * 1024), 'counters');
    const end = now();
    // Counters of one event and property share one target, so 50 items cost one lookup.
    const groups = new Map<string, { event: string | null; key: string | null; values: string[] | null }>();
    for (const c of body.counters) {
      const id = JSON.stringify([c.event, c.key, c.value === null]);
      const g = groups.get(id) ?? { event: c.event, key: c.key, values: c.value === null ? null : [] };
      if (c.value !== null) g.values!.push(c.value);
      groups.set(id, g);
    }
    const targets = [...groups.values()];
    const results = await reader.counts(project.projectId, targets, windowRange(end, body.window.ms), { persons: body.persons });
    const found = new Map<string, { count: number; persons?: number }>();
    targets.forEach((t, g) => {
      for (const c of results[g] ?? []) found.set(JSON.stringify([t.event, t.key, c.value]), c);
    });
    return {
      ...windowFields(body.window, end),
      counts: body.counters.map((c) => {
        const hit = found.get(JSON.stringify([c.event, c.key, c.value])) ?? { count: 0 };
        return { event: c.event, key: c.key, value: c.value, count: hit.count, ...personsOf(hit) };
      }),
    };
  });

  app.get('/v1/live/top', async (req) => {
    const project = liveProject(req, auth);
    const q = parseOr400(topQuery, req.query, 'top list');
    const { end, items } = await queries.top(project.projectId, { event: q.event, key: q.key, windowMs: q.window.ms, limit: q.limit, second: q.second ?? null });
    return { event: q.event, key: q.key, ...windowFields(q.window, end), limit: q.limit, second: q.second ?? null, items };
  });

  app.get('/v1/live/is-top', async (req) => {
    const project = liveProject(req, auth);
    const q = parseOr400(isTopQuery, req.query, 'top list');
    const { end, items } = await queries.top(project.projectId, { event: q.event, key: q.key, windowMs: q.window.ms, limit: q.limit, second: null });
    const hit = items.find((r) => r.value === q.value);
    // Outside the list: its count for the same window end, straight from the reader.
    const count = hit
      ? hit.count
      : ((await reader.counts(project.projectId, [{ event: q.event, key: q.key, values: [q.value] }], windowRange(end, q.window.ms)))[0]?.[0]?.count ?? 0);
    return { event: q.event, key: q.key, value: q.value, ...windowFields(q.window, end), limit: q.limit, isTop: hit !== undefined, rank: hit?.rank ?? null, count };
  });

  app.get('/v1/live/top/history', async (req) => {
    const project = auth.secret(req);
    const q = parseOr400(historyQuery, req.query, 'history query');
    const to = q.to ?? now();
    const from = q.from ?? to - 30 * 86_400_000;
    const list = await snapshots.history(project.projectId, q.event, q.key, from, to);
    return { event: q.event, key: q.key, from: iso(from), to: iso(to), snapshots: list };
  });

  app.get('/v1/live/top/schedules', async (req) => {
    const project = auth.secret(req);
    return { schedules: (await snapshots.schedules(project.projectId)).map(showSpec) };
  });

  app.put('/v1/live/top/schedules', async (req) => {
    const project = auth.secret(req);
    const body = parseOr400(scheduleBody, jsonBody(req, 64 * 1024), 'schedule');
    const spec: SnapshotSpec = { event: body.event, key: body.key, windowMs: body.window.ms, limit: body.limit, everyMs: body.every, second: body.second ?? null };
    await snapshots.setSchedule(project.projectId, spec);
    return { schedule: showSpec(spec) };
  });

  app.delete('/v1/live/top/schedules', async (req) => {
    const project = auth.secret(req);
    const q = parseOr400(scheduleKey, req.query, 'schedule');
    if (!(await snapshots.removeSchedule(project.projectId, q.event, q.key))) {
      throw new HttpError(404, `no schedule for event "${q.event}" and key "${q.key}"`);
    }
    return { removed: true };
  });

  app.post('/v1/live/top/snapshots', async (req) => {
    const project = auth.secret(req);
    const body = parseOr400(scheduleKey, jsonBody(req, 64 * 1024), 'snapshot');
    const spec = (await snapshots.schedules(project.projectId)).find((s) => s.event === body.event && s.key === body.key);
    if (!spec) throw new HttpError(404, `no schedule for event "${body.event}" and key "${body.key}"; create one with PUT /v1/live/top/schedules`);
    const at = now();
    const items = await snapshots.take(project.projectId, spec, at);
    return { takenAt: iso(at), items };
  });
}

function personsOf(c: { persons?: number }): { persons?: number } {
  return c.persons === undefined ? {} : { persons: c.persons };
}

function showSpec(s: SnapshotSpec): Record<string, unknown> {
  return { event: s.event, key: s.key, windowMs: s.windowMs, limit: s.limit, everyMs: s.everyMs, second: s.second };
}
