/** Worker-thread entry: runs a testbed off the main thread (see worker.ts for why). */
import { parentPort, workerData } from 'node:worker_threads';
import type { TestbedOptions } from './cluster.js';
import { startTestbed } from './server.js';

const options = workerData as Omit<TestbedOptions, 'log'>;
const port = parentPort!;
const testbed = await startTestbed({ ...options, log: (line) => port.postMessage({ type: 'log', line }) });
port.postMessage({ type: 'ready', hosts: testbed.hosts, seed: testbed.seed });
port.on('message', (m: { type: string }) => {
  if (m.type === 'close') void testbed.close().then(() => port.close());
});
