import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import type { Job } from '../../shared/schemas/job.js';

/** A fresh folder for database files, removed when the test ends. */
export function tempFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function job(id: string, fields: Partial<Job> = {}): Job {
  return { id, type: 'backup', trigger: 'on-demand', status: 'running', 'created-at': 1_000, ...fields };
}

/** Collects the problems a StateDatabase reports instead of throwing. */
export function problemLog(): { problems: string[]; onProblem: (m: string) => void } {
  const problems: string[] = [];
  return { problems, onProblem: (m) => problems.push(m) };
}

const FIXTURE = new URL('./fixtures/state-process.ts', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;

/** A real second process running fixtures/state-process.ts, read line by line. */
export class StateProcess {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  private stderr = '';
  private exited = false;

  constructor(t: TestContext, args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.wake();
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.on('exit', () => {
      this.exited = true;
      this.wake();
    });
    t.after(async () => {
      if (!this.exited) {
        this.child.kill('SIGKILL');
        await once(this.child, 'exit');
      }
    });
  }

  /** The next line the process prints, parsed as JSON. */
  async next<T>(): Promise<T> {
    while (this.lines.length === 0) {
      if (this.exited) throw new Error(`state process exited early: ${this.stderr}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return JSON.parse(this.lines.shift()!) as T;
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exit;
  }

  /** Waits for a normal exit (after `send('exit')`), failing on a non-zero code. */
  async finished(): Promise<void> {
    if (!this.exited) await once(this.child, 'exit');
    if (this.child.exitCode !== 0) throw new Error(`state process failed (${this.child.exitCode}): ${this.stderr}`);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
