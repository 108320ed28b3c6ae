/**
 * Where log records are prepared. Parsing and normalizing a 500-event batch costs milliseconds of
 * CPU; on the request thread that time blocks every other request, the loader and live reads, so
 * by default it runs in a pool of worker threads and the request thread only moves bytes.
 */
import { Worker } from 'node:worker_threads';
import { prepareRecord, type PrepareInput, type Prepared } from './prepare-record.js';

export interface RecordPreparer {
  prepare(bytes: Uint8Array, input: PrepareInput): Promise<Prepared>;
  close(): Promise<void>;
}

/** Same thread: for tools and tests that want no threads. */
export class InlinePreparer implements RecordPreparer {
  prepare(bytes: Uint8Array, input: PrepareInput): Promise<Prepared> {
    try {
      return Promise.resolve(prepareRecord(bytes, input));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Pending {
  readonly resolve: (p: Prepared) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  readonly pending: Map<number, Pending>;
}

/** Across the thread boundary a record arrives as a plain Uint8Array. */
type Reply =
  | { id: number; prepared: Exclude<Prepared, { kind: 'record' }> | (Omit<Extract<Prepared, { kind: 'record' }>, 'record'> & { record: Uint8Array }) }
  | { id: number; error: string };

// Built, the worker is the .js next to this file. Run from sources (tests, benchmarks) it is .ts,
// and Node 20 does not hand the main thread's tsx loader to worker threads: the worker registers
// it itself before importing its entry.
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./prepare-worker${FROM_SOURCES ? '.ts' : '.js'}`, import.meta.url);

export class PreparePool implements RecordPreparer {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  private readonly inline = new InlinePreparer();

  /** Bodies up to `inlineBelowBytes` are prepared on the calling thread. */
  constructor(size: number, private readonly inlineBelowBytes = 8 * 1024) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a prepare pool needs at least one worker, got ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  prepare(bytes: Uint8Array, input: PrepareInput): Promise<Prepared> {
    if (this.closed) return Promise.reject(new Error('the ingest workers are shut down'));
    // A single event costs less to prepare than the round trip to a thread and back.
    if (bytes.length <= this.inlineBelowBytes) return this.inline.prepare(bytes, input);
    // Least loaded worker: one slow batch must not hold up the small requests behind it.
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    return new Promise<Prepared>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, bytes, input });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const slot: Slot = { worker: this.startWorker(), pending: new Map() };
    this.wire(slot);
    return slot;
  }

  private startWorker(): Worker {
    // The test runner's and profiler's flags must not start a second runner or profile per thread.
    // Per-process options (profilers, the test runner, heap sizing and GC tracing) are refused by
    // workers; the worker's small heap does not need them.
    const execArgv = process.execArgv.filter((a) => !/^--(test|cpu-prof|heap-prof|trace-gc|max-semi-space-size|min-semi-space-size|max-old-space-size)/.test(a));
    const worker = FROM_SOURCES
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`,
          { eval: true, execArgv },
        )
      : new Worker(WORKER_URL, { execArgv });
    // Idle workers must not keep a finished CLI process alive.
    worker.unref();
    return worker;
  }

  private wire(slot: Slot): void {
    const worker = slot.worker;
    worker.on('message', (reply: Reply) => {
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if ('error' in reply) pending.reject(new Error(`preparing the record failed: ${reply.error}`));
      else pending.resolve(reply.prepared.kind === 'record' ? { ...reply.prepared, record: Buffer.from(reply.prepared.record.buffer, reply.prepared.record.byteOffset, reply.prepared.record.byteLength) } : reply.prepared);
    });
    const fail = (err: Error): void => {
      if (slot.worker !== worker) return;
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      if (!this.closed) {
        slot.worker = this.startWorker();
        this.wire(slot);
      }
    };
    worker.on('error', (err) => fail(new Error(`an ingest worker crashed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new Error(`an ingest worker exited with code ${code}`)));
  }
}
