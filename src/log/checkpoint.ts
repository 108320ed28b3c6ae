/**
 * Small durable JSON state files (e.g. the loader's "loaded up to position N"). A write is atomic:
 * after a crash the file holds either the old or the new value, never a torn mix, because the
 * new content is fsynced under a temporary name and then renamed over the old file.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { z } from 'zod';
import { fsyncDir } from './segment-files.js';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

let tempCounter = 0;

/** The stored value, or undefined when the file does not exist yet. */
export async function readCheckpoint<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw new CheckpointError(`cannot read checkpoint file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const advice = 'restore it from a backup, or delete it to start that component from its initial state';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`checkpoint file ${path} is not valid JSON (${(err as Error).message}); ${advice}`, {
      cause: err,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new CheckpointError(
      `checkpoint file ${path} has unexpected content:\n${z.prettifyError(parsed.error)}\n${advice}`,
    );
  }
  return parsed.data;
}

export async function writeCheckpoint(path: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value);
  if (text === undefined) throw new CheckpointError(`cannot store ${String(value)} in checkpoint file ${path}`);
  const dir = dirname(path);
  // Unique per write so concurrent writers of one path never share a temporary file.
  const temp = join(dir, `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
  try {
    const file = await open(temp, 'w');
    try {
      await file.writeFile(`${text}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    // The rename is only durable once the directory entry is.
    await fsyncDir(dir);
  } catch (err) {
    await rm(temp, { force: true });
    throw new CheckpointError(`cannot write checkpoint file ${path}: ${(err as Error).message}`, { cause: err });
  }
}
