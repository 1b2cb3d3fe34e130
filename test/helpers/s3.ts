/**
 * A real S3 protocol server (s3rver) on 127.0.0.1, behind a small proxy that can answer chosen
 * requests with S3 errors (503 SlowDown, 500) to exercise retries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Fault {
  /** Answer this many upcoming matching requests with an error. */
  count: number;
  status: 500 | 503;
  /** Only requests whose method and URL match, e.g. /PUT .*partNumber=/ ; all when absent. */
  match?: RegExp;
}

export interface TestS3 {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dir: string;
  faults: S3Fault[];
  /** Requests answered with an injected error so far. */
  injected: number;
  /** Every request seen by the proxy, as "METHOD url". */
  requests: string[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

export async function startS3(bucket = 'backups'): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-s3-'));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port: backendPort } = (await s3.run()) as AddressInfo;
  const state = { faults: [] as S3Fault[], injected: 0, requests: [] as string[] };
  const proxy = createServer((req: IncomingMessage, res) => {
    const line = `${req.method} ${req.url}`;
    state.requests.push(line);
    const fault = state.faults.find((f) => f.count > 0 && (!f.match || f.match.test(line)));
    if (fault) {
      fault.count--;
      state.injected++;
      req.resume();
      req.on('end', () => {
        const code = fault.status === 503 ? 'SlowDown' : 'InternalError';
        res.writeHead(fault.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`);
      });
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 500, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  const port = await listen(proxy);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    dir,
    get faults() {
      return state.faults;
    },
    set faults(f: S3Fault[]) {
      state.faults = f;
    },
    get injected() {
      return state.injected;
    },
    get requests() {
      return state.requests;
    },
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    },
  } as TestS3;
}
