/**
 * The file as the engine will read it. The engine's `file()` takes its path as a bound parameter,
 * so no path is ever written into SQL text; but it expands `*`, `?` and `{a,b}` in that path as
 * globs (there is no escape syntax), so a file named `export{1,2}.csv` would read other files.
 * The engine therefore reads a symlink with a fixed, glob-free name in a private temp directory,
 * which keeps the original extension's compression suffix (.gz, .zst) for the engine to see.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { compressionSuffix, type ImportFormat } from './import-spec.js';
import { ImportError } from './import-error.js';

export interface LocalInput {
  /** Path the engine reads (a symlink to the file). */
  readonly enginePath: string;
  /** Where the engine may write its parse-error log for this import. */
  readonly errorsPath: string;
  readonly bytes: number;
  /** The file as it is on disk now (real path, size, modification time), without reading it. */
  readonly identity: string;
  /** File name as people know it (shown in the quarantine). */
  readonly displayName: string;
  dispose(): void;
}

export function prepareLocalInput(path: string, format: ImportFormat, displayName?: string): LocalInput {
  const absolute = resolve(path);
  let size: number;
  let identity: string;
  try {
    const st = statSync(absolute);
    if (!st.isFile()) throw new ImportError(`${path} is not a regular file`);
    size = st.size;
    identity = `${realpathSync(absolute)}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-import-'));
  const extension = { csv: '.csv', tsv: '.tsv', ndjson: '.ndjson', parquet: '.parquet' }[format];
  const enginePath = join(dir, `source${extension}${compressionSuffix(absolute)}`);
  symlinkSync(absolute, enginePath);
  return {
    enginePath,
    errorsPath: join(dir, 'parse-errors.csv'),
    bytes: size,
    identity,
    displayName: displayName ?? basename(absolute),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** SHA-256 of the file's bytes, streamed (hex). */
export function fileSha256(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolvePromise(hash.digest('hex')));
  });
}
