/**
 * Keeps two writers out of one log directory: interleaved appends from two processes would
 * overwrite each other's acknowledged records. A LOCK file holds the owner's pid; a lock whose
 * owner is gone (crash, SIGKILL) is taken over. This guards against operator mistakes (starting
 * the server twice); it is not a consensus protocol for processes racing to start together.
 */
import { open, readFile, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';

const LOCK_NAME = 'LOCK';
/** Directories locked by this process, by real path, so a second open in-process fails too. */
const heldHere = new Set<string>();

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(err) === 'EPERM';
  }
}

export class DirLock {
  private released = false;

  private constructor(
    private readonly key: string,
    private readonly path: string,
  ) {}

  static async acquire(dir: string): Promise<DirLock> {
    const key = await realpath(dir);
    if (heldHere.has(key)) {
      throw new Error(`log directory ${dir} is already open in this process; open it once and share it`);
    }
    const path = join(dir, LOCK_NAME);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const file = await open(path, 'wx');
        try {
          await file.writeFile(`${process.pid}\n`);
        } finally {
          await file.close();
        }
        heldHere.add(key);
        return new DirLock(key, path);
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') {
          throw new Error(`cannot create lock file ${path} (${(err as Error).message}); the log directory must be writable`);
        }
      }
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      // Our own pid in the file means a previous incarnation with the same pid (common for pid 1
      // in a container) died holding it: this process has not taken it (checked above).
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `log directory ${dir} is in use by process ${owner}; stop that process first, ` +
            `or delete ${path} if no clickpath process uses this directory`,
        );
      }
      await rm(path, { force: true });
    }
    throw new Error(`could not lock log directory ${dir}: ${path} keeps reappearing; is another process starting?`);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.key);
    await rm(this.path, { force: true });
  }
}
