/**
 * Builds the S3 client from Tidemark's options: where (region, endpoint override, path style),
 * who (explicit keys, the AWS_* environment, a named profile, or the SDK's default chain) and
 * how patiently (our retry strategy).
 */
import { S3Client, S3ServiceException, type S3ClientConfig } from '@aws-sdk/client-s3';
import { BackoffRetryStrategy, type RetryOptions } from './retry-strategy.js';
import { StorageConfigError } from './storage.js';

export type S3Credentials =
  | { source: 'static'; accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined }
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN, read at start. */
  | { source: 'env' }
  /** A profile in ~/.aws/credentials or ~/.aws/config (also supplies the region if it has one). */
  | { source: 'profile'; profile: string }
  /** The SDK's default chain: environment, profile files, SSO, container and instance roles. */
  | { source: 'default' };

/** Plain keys, as the SDK takes them; the same as { source: 'static', ... }. */
export interface S3Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface S3ConnectionOptions {
  region?: string | undefined;
  /** e.g. http://127.0.0.1:9000 for MinIO or a test server. */
  endpoint?: string | undefined;
  /**
   * Bucket in the path instead of the host name. Defaults to on with an endpoint override (what
   * MinIO and most S3-compatible servers need) and off for AWS.
   */
  forcePathStyle?: boolean | undefined;
  /** Shorthand for credentials { source: 'profile', profile }. */
  profile?: string | undefined;
  credentials?: S3Credentials | S3Keys | undefined;
  retry?: RetryOptions | undefined;
  /** Shorthand for retry.maxAttempts. */
  maxAttempts?: number | undefined;
  /** Most sockets open at once to the endpoint (default 50). */
  maxSockets?: number | undefined;
}

function credentialsFromEnv(): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new StorageConfigError('S3 credentials from the environment need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to be set');
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** Removes user:password from an endpoint URL before it appears in any message. */
export function redactEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid endpoint)';
  }
}

export function createS3Client(o: S3ConnectionOptions): S3Client {
  if (o.endpoint !== undefined) {
    let u: URL;
    try {
      u = new URL(o.endpoint);
    } catch {
      throw new StorageConfigError(`S3 endpoint '${redactEndpoint(o.endpoint)}' is not a URL (expected e.g. http://127.0.0.1:9000)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StorageConfigError(`S3 endpoint '${redactEndpoint(o.endpoint)}' must be http:// or https://`);
  }
  let creds: S3Credentials =
    o.credentials === undefined ? { source: 'default' } : 'source' in o.credentials ? o.credentials : { source: 'static', ...o.credentials };
  if (creds.source === 'default' && o.profile) creds = { source: 'profile', profile: o.profile };
  const retry = new BackoffRetryStrategy({ ...o.retry, ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}) });
  const config: S3ClientConfig = {
    // S3-compatible servers accept any region; without one the SDK would refuse to sign.
    ...(o.region ? { region: o.region } : o.endpoint ? { region: 'us-east-1' } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
    // A wrong or missing region on AWS then costs one redirect instead of failing the backup.
    followRegionRedirects: true,
    retryStrategy: retry,
    maxAttempts: retry.maxAttempts,
    requestHandler: {
      // Fail fast on an unreachable endpoint (then retried); the socket timeout is per idle gap,
      // not per request, so large parts on slow links are fine.
      connectionTimeout: 10_000,
      requestTimeout: 120_000,
      httpAgent: { keepAlive: true, maxSockets: o.maxSockets ?? 50 },
      httpsAgent: { keepAlive: true, maxSockets: o.maxSockets ?? 50 },
    },
  };
  switch (creds.source) {
    case 'static':
      if (!creds.accessKeyId || !creds.secretAccessKey) throw new StorageConfigError('S3 static credentials need both an access key id and a secret access key');
      config.credentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) };
      break;
    case 'env':
      config.credentials = credentialsFromEnv();
      break;
    case 'profile':
      if (!creds.profile) throw new StorageConfigError('S3 profile credentials need a profile name');
      // The client's own profile setting drives the SDK's default chain (credentials and region).
      config.profile = creds.profile;
      break;
    case 'default':
      break;
  }
  return new S3Client(config);
}

function hasMetadata(err: unknown): err is Error & { $metadata?: { httpStatusCode?: number; attempts?: number }; Code?: string } {
  return err instanceof Error && '$metadata' in err;
}

export function httpStatus(err: unknown): number | undefined {
  return hasMetadata(err) ? err.$metadata?.httpStatusCode : undefined;
}

/**
 * One line naming what failed and why: "UploadPart (part 3): HTTP 503 SlowDown after 4
 * attempts: Please reduce your request rate."
 */
export function describeS3Error(operation: string, err: unknown): string {
  if (!(err instanceof Error)) return `${operation}: ${String(err)}`;
  const bits: string[] = [];
  const status = httpStatus(err);
  if (status !== undefined) bits.push(`HTTP ${status}`);
  const code = err instanceof S3ServiceException ? err.name : 'code' in err && typeof err.code === 'string' ? err.code : err.name;
  if (code && code !== 'Error' && !/^\d+$/.test(code)) bits.push(code);
  const attempts = hasMetadata(err) ? err.$metadata?.attempts : undefined;
  if (attempts !== undefined && attempts > 1) bits.push(`after ${attempts} attempts`);
  const msg = err.message && err.message !== code && err.message !== 'UnknownError' ? `: ${err.message}` : '';
  return `${operation}: ${bits.join(' ') || 'failed'}${msg}`;
}

export function isRegionMissing(err: unknown): boolean {
  return err instanceof Error && /region is missing/i.test(err.message);
}
