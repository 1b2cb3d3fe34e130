import type { BackupStorage } from '../storage/storage.js';

/** A small text file (metadata, registration) read whole. */
export async function readText(storage: BackupStorage, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.openRead(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
