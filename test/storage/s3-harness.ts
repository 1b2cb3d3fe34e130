/**
 * A real S3 protocol server (s3rver) on 127.0.0.1 behind a small proxy that
 *  - fills two gaps of s3rver: it has no AbortMultipartUpload (answers 405) and no
 *    ListMultipartUploads (501). The proxy serves both from s3rver's own upload folders
 *    (`<dir>/<bucket>/._S3rver_uploads/<uploadId>/`, each holding the key and the parts), so an
 *    abort really deletes the parts and the listing shows what is really pending;
 *  - can answer chosen requests with S3 errors, delay them, or cut a response body short;
 *  - logs every request (method, query, size, status) and the most UploadParts in flight at once.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface RequestInfo {
  method: string;
  /** Path and query as sent, e.g. /bucket/a/b?partNumber=2&uploadId=... */
  url: string;
  /** S3 operation guessed from method and query (UploadPart, PutObject, GetObject, ...). */
  op: string;
  /** Request body size from content-length. */
  bytes: number;
  /** 1-based count of requests seen so far with the same op. */
  nth: number;
}

export type Injection =
  | { status: number; code: string; message?: string; retryAfter?: number }
  | { delayMs: number }
  /** Forward, but close the connection after this many body bytes of the response. */
  | { cutAfterBytes: number };

export interface LoggedRequest extends RequestInfo {
  status: number;
  injected: boolean;
}

export interface S3Harness {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dir: string;
  /** Decides per request whether to inject something; undefined forwards it. */
  inject: ((r: RequestInfo) => Injection | undefined) | undefined;
  log: LoggedRequest[];
  /** Most UploadPart requests in flight at the same time since the last reset. */
  maxPartsInFlight: number;
  reset(): void;
  /** Upload ids s3rver holds on disk (the ground truth for "no pending multipart upload"). */
  uploadsOnDisk(): string[];
  close(): Promise<void>;
}

function opOf(method: string, u: URL): string {
  const q = u.searchParams;
  const isBucket = u.pathname.split('/').filter(Boolean).length <= 1;
  if (method === 'PUT' && q.has('uploadId')) return 'UploadPart';
  if (method === 'PUT') return 'PutObject';
  if (method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
  if (method === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (method === 'DELETE') return 'DeleteObject';
  if (method === 'GET' && isBucket && q.has('uploads')) return 'ListMultipartUploads';
  if (method === 'GET' && isBucket) return 'ListObjects';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  return method;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sendXml(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/xml', ...headers });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

export async function startS3Harness(bucket = 'tidemark'): Promise<S3Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-storage-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port: backendPort } = await server.run();
  const uploadsDir = join(dir, bucket, '._S3rver_uploads');
  const counts = new Map<string, number>();
  let partsInFlight = 0;

  const uploadsOnDisk = (): string[] => {
    try {
      return readdirSync(uploadsDir).filter((n) => statSync(join(uploadsDir, n)).isDirectory());
    } catch {
      return [];
    }
  };

  const h: S3Harness = {
    endpoint: '',
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    dir,
    inject: undefined,
    log: [],
    maxPartsInFlight: 0,
    reset() {
      h.inject = undefined;
      h.log = [];
      h.maxPartsInFlight = 0;
      counts.clear();
    },
    uploadsOnDisk,
    close: async () => undefined,
  };

  const abortUpload = (u: URL, res: ServerResponse): number => {
    const id = u.searchParams.get('uploadId') ?? '';
    if (!/^[0-9a-f]+$/.test(id) || !uploadsOnDisk().includes(id)) {
      sendXml(res, 404, `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`);
      return 404;
    }
    rmSync(join(uploadsDir, id), { recursive: true, force: true });
    res.writeHead(204);
    res.end();
    return 204;
  };

  const listUploads = (u: URL, res: ServerResponse): number => {
    const prefix = u.searchParams.get('prefix') ?? '';
    const uploads = uploadsOnDisk()
      .map((id) => ({ id, key: readFileSync(join(uploadsDir, id, 'key'), 'utf8'), at: statSync(join(uploadsDir, id)).mtime }))
      .filter((x) => x.key.startsWith(prefix));
    const items = uploads.map((x) => `<Upload><Key>${xmlEscape(x.key)}</Key><UploadId>${x.id}</UploadId><Initiated>${x.at.toISOString()}</Initiated></Upload>`).join('');
    sendXml(
      res,
      200,
      `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${bucket}</Bucket><Prefix>${xmlEscape(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`,
    );
    return 200;
  };

  const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const op = opOf(method, u);
    const nth = (counts.get(op) ?? 0) + 1;
    counts.set(op, nth);
    const info: RequestInfo = { method, url: req.url ?? '/', op, bytes: Number(req.headers['content-length'] ?? 0), nth };
    const entry: LoggedRequest = { ...info, status: 0, injected: false };
    h.log.push(entry);
    const injection = h.inject?.(info);

    if (injection && 'status' in injection) {
      entry.injected = true;
      entry.status = injection.status;
      req.resume();
      req.on('end', () =>
        sendXml(
          res,
          injection.status,
          `<Error><Code>${injection.code}</Code><Message>${xmlEscape(injection.message ?? 'injected by the test proxy')}</Message></Error>`,
          injection.retryAfter !== undefined ? { 'retry-after': String(injection.retryAfter) } : {},
        ),
      );
      return;
    }
    if (op === 'AbortMultipartUpload') {
      req.resume();
      req.on('end', () => (entry.status = abortUpload(u, res)));
      return;
    }
    if (op === 'ListMultipartUploads') {
      req.resume();
      req.on('end', () => (entry.status = listUploads(u, res)));
      return;
    }

    const forward = (): void => {
      if (op === 'UploadPart') h.maxPartsInFlight = Math.max(h.maxPartsInFlight, ++partsInFlight);
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        if (op === 'UploadPart') partsInFlight--;
      };
      res.on('close', finish);
      // Headers go through unchanged: s3rver checks the signature, which covers the host header.
      const upstream = request({ host: '127.0.0.1', port: backendPort, method, path: req.url, headers: req.headers }, (up) => {
        entry.status = up.statusCode ?? 0;
        res.writeHead(up.statusCode ?? 500, up.headers);
        if (injection && 'cutAfterBytes' in injection) {
          entry.injected = true;
          let sent = 0;
          // Headers and the first bytes must reach the client before the connection drops, or
          // this is a failed request (which the SDK retries) instead of a broken body.
          const cut = (): void => {
            up.destroy();
            res.socket?.end();
          };
          res.flushHeaders();
          if (injection.cutAfterBytes === 0) {
            res.write('', cut);
            return;
          }
          up.on('data', (chunk: Buffer) => {
            if (sent >= injection.cutAfterBytes) return;
            const part = chunk.subarray(0, injection.cutAfterBytes - sent);
            sent += part.length;
            if (sent >= injection.cutAfterBytes) res.write(part, cut);
            else res.write(part);
          });
          up.on('end', () => res.end());
          return;
        }
        up.pipe(res);
      });
      upstream.on('error', (err) => {
        if (!res.headersSent) sendXml(res, 502, `<Error><Code>BadGateway</Code><Message>${xmlEscape(String(err))}</Message></Error>`);
        else res.destroy();
      });
      req.pipe(upstream);
    };
    if (injection && 'delayMs' in injection) {
      entry.injected = true;
      // Hold the request (body unread, so the client waits) and forward it later.
      setTimeout(forward, injection.delayMs);
    } else forward();
  });

  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  h.endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  h.close = async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return h;
}
