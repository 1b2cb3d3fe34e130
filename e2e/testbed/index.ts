export { startTestbed, type Testbed } from './server.js';
export type { TestbedOptions } from './cluster.js';
export { startTestbedWorker, type TestbedHandle } from './worker.js';
