/**
 * Group commit for reads. Each engine read has a fixed cost that dwarfs what one counter needs,
 * so requests for the same kind of answer (one event, property and window) are answered together:
 * at most one run per kind is in flight, and every request that arrives meanwhile joins the next
 * run. A run starts after its requests arrived and reads the window ending when it starts, so an
 * answer is never older than its request, and all answers of a run share one exact `end`.
 */

interface Waiting<Req, Res> {
  readonly req: Req;
  readonly resolve: (res: Res) => void;
  readonly reject: (err: unknown) => void;
}

interface Group<Req, Res> {
  running: boolean;
  waiting: Array<Waiting<Req, Res>>;
}

/** `run` answers a batch of requests of one kind, one answer per request, in order. */
export class ReadBatcher<Kind, Req, Res> {
  private readonly groups = new Map<string, Group<Req, Res>>();

  constructor(private readonly run: (kind: Kind, requests: readonly Req[]) => Promise<Res[]>) {}

  submit(id: string, kind: Kind, req: Req): Promise<Res> {
    let group = this.groups.get(id);
    if (!group) this.groups.set(id, (group = { running: false, waiting: [] }));
    const g = group;
    const answer = new Promise<Res>((resolve, reject) => g.waiting.push({ req, resolve, reject }));
    if (!g.running) void this.drain(id, kind, g);
    return answer;
  }

  private async drain(id: string, kind: Kind, group: Group<Req, Res>): Promise<void> {
    group.running = true;
    // Requests parsed in the same turn of the event loop (a page's burst) share the first run.
    await new Promise((resolve) => setImmediate(resolve));
    while (group.waiting.length > 0) {
      const batch = group.waiting;
      group.waiting = [];
      try {
        const answers = await this.run(kind, batch.map((w) => w.req));
        batch.forEach((w, i) => w.resolve(answers[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    group.running = false;
    this.groups.delete(id);
  }
}
