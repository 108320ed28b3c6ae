/**
 * Worker thread entry: prepares log records off the request thread. Messages are
 * { id, bytes, input } in and { id, prepared } or { id, error } out; the record's memory is
 * transferred back, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { prepareRecord, type PrepareInput, type Prepared } from './prepare-record.js';

interface Job {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly input: PrepareInput;
}

const port = parentPort;
if (!port) throw new Error('prepare-worker must run as a worker thread');

port.on('message', (job: Job) => {
  let prepared: Prepared;
  try {
    prepared = prepareRecord(job.bytes, job.input);
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error).stack ?? String(err) });
    return;
  }
  if (prepared.kind !== 'record') {
    port.postMessage({ id: job.id, prepared });
    return;
  }
  // Small Buffers share Node's pool; transferring that would detach the pool, so copy those.
  const own = prepared.record.byteOffset === 0 && prepared.record.byteLength === prepared.record.buffer.byteLength
    ? prepared.record
    : new Uint8Array(prepared.record);
  port.postMessage({ id: job.id, prepared: { ...prepared, record: own } }, [own.buffer as ArrayBuffer]);
});
