/**
 * Runs a testbed in a worker thread. The official client connects to its seeds synchronously on
 * the calling thread, so a testbed on that same thread could never answer: tests and benchmarks
 * that use the client in-process start the testbed here instead.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { appRoot } from '../../electron/core/app-root.js';
import type { TestbedOptions } from './cluster.js';

export interface TestbedHandle {
  hosts: Array<{ addr: string; port: number }>;
  seed: string;
  /** Lines the testbed logged (protocol errors, dropped connections). */
  log: string[];
  close(): Promise<void>;
}

type WorkerMessage = { type: 'ready'; hosts: TestbedHandle['hosts']; seed: string } | { type: 'log'; line: string };

export function startTestbedWorker(options: Omit<TestbedOptions, 'log'>): Promise<TestbedHandle> {
  // From the package root, not import.meta.url: `tidemark demo` runs this from the CLI build too (dist/cli/).
  const worker = new Worker(join(appRoot(), 'e2e', 'testbed', 'worker-entry.mjs'), { workerData: options });
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`testbed worker exited with code ${code} before it was ready`)));
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'log') log.push(m.line);
      else if (m.type === 'ready') {
        worker.removeAllListeners('exit');
        worker.off('error', reject);
        resolve({
          hosts: m.hosts,
          seed: m.seed,
          log,
          close: () =>
            new Promise<void>((res) => {
              worker.once('exit', () => res());
              worker.postMessage({ type: 'close' });
            }),
        });
      }
    });
  });
}
