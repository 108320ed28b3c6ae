/**
 * Projects and their keys. Lookups happen on every request, so the registry keeps an in-memory
 * index, refreshed from the store on start and after every change.
 */
import type { Store } from '../store/store.js';
import { toSqlTime } from '../events/event-row.js';
import { hashKey, newLiveKey, newSecretKey, newWriteKey } from './keys.js';

export interface Project {
  readonly projectId: string;
  readonly name: string;
  readonly writeKey: string;
  readonly liveKey: string;
  readonly timezone: string;
  readonly createdAt: string;
}

/** Returned once at creation: the secret key is never readable again. */
export interface CreatedProject extends Project {
  readonly secretKey: string;
}

interface ProjectRow {
  project_id: string;
  name: string;
  write_key: string;
  secret_key_hash: string;
  live_key: string;
  timezone: string;
  created_at: string;
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export class ProjectRegistry {
  private byId = new Map<string, Project>();
  private byWriteKey = new Map<string, Project>();
  private bySecretHash = new Map<string, Project>();
  private byLiveKey = new Map<string, Project>();

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {}

  async refresh(): Promise<void> {
    const rows = await this.store.query<ProjectRow>(
      `SELECT project_id, argMax(name, updated_at) AS name, argMax(write_key, updated_at) AS write_key,
              argMax(secret_key_hash, updated_at) AS secret_key_hash, argMax(live_key, updated_at) AS live_key,
              argMax(timezone, updated_at) AS timezone, min(created_at) AS created_at
       FROM ${this.store.database}.projects GROUP BY project_id ORDER BY created_at, project_id`,
    );
    const byId = new Map<string, Project>();
    const byWriteKey = new Map<string, Project>();
    const bySecretHash = new Map<string, Project>();
    const byLiveKey = new Map<string, Project>();
    for (const r of rows) {
      const p: Project = {
        projectId: r.project_id,
        name: r.name,
        writeKey: r.write_key,
        liveKey: r.live_key,
        timezone: r.timezone,
        createdAt: r.created_at,
      };
      byId.set(p.projectId, p);
      byWriteKey.set(r.write_key, p);
      bySecretHash.set(r.secret_key_hash, p);
      if (r.live_key) byLiveKey.set(r.live_key, p);
    }
    this.byId = byId;
    this.byWriteKey = byWriteKey;
    this.bySecretHash = bySecretHash;
    this.byLiveKey = byLiveKey;
  }

  list(): Project[] {
    return [...this.byId.values()];
  }

  get(projectId: string): Project | undefined {
    return this.byId.get(projectId);
  }

  byWrite(key: string): Project | undefined {
    return this.byWriteKey.get(key);
  }

  bySecret(key: string): Project | undefined {
    return this.bySecretHash.get(hashKey(key));
  }

  byLive(key: string): Project | undefined {
    return this.byLiveKey.get(key);
  }

  /** Creates a project; the id is a slug of the name, made unique with a numeric suffix. */
  async create(name: string, options: { timezone?: string; projectId?: string } = {}): Promise<CreatedProject> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 200) throw new Error('project name must be 1 to 200 characters');
    const timezone = options.timezone ?? 'UTC';
    if (!isValidTimezone(timezone)) throw new Error(`unknown time zone "${timezone}" (use an IANA name such as Europe/Berlin)`);
    await this.refresh();
    const base = options.projectId ?? (trimmed.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'project');
    let projectId = base;
    for (let i = 2; this.byId.has(projectId); i++) projectId = `${base}-${i}`;
    const secretKey = newSecretKey();
    const now = toSqlTime(this.now());
    const project: CreatedProject = {
      projectId,
      name: trimmed,
      writeKey: newWriteKey(),
      liveKey: newLiveKey(),
      secretKey,
      timezone,
      createdAt: now,
    };
    await this.store.insertJsonRows(
      'projects',
      JSON.stringify({
        project_id: projectId,
        name: trimmed,
        write_key: project.writeKey,
        secret_key_hash: hashKey(secretKey),
        live_key: project.liveKey,
        timezone,
        created_at: now,
        updated_at: now,
      }),
    );
    await this.refresh();
    return project;
  }
}
