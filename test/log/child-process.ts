import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/**
 * Runs a TypeScript fixture in a child node process and SIGKILLs it `delayMs` after its first
 * line of output. Resolves with the complete lines it printed once it has exited (and so been
 * reaped: its pid no longer counts as a live lock owner).
 */
export function runAndKill(script: string, args: readonly string[], delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (out.length === 0 && chunk.length > 0) {
        setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, delayMs);
      }
      out += chunk;
    });
    child.stderr.on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (!killed || signal !== 'SIGKILL') {
        reject(new Error(`fixture ${script} ended by itself (code ${code}, signal ${signal}):\n${err}`));
        return;
      }
      // The last piece may be a line cut short by the kill; only complete lines count.
      resolve(out.split('\n').slice(0, -1));
    });
  });
}
