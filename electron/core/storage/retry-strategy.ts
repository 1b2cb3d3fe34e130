/**
 * Retry policy for S3 requests, plugged into the SDK's retry middleware (so every command,
 * including each UploadPart, is retried with its buffered body). Our own rather than the SDK's
 * standard strategy because that one also keeps a client-wide retry budget that a long backup
 * with many parallel part uploads can exhaust during a throttling burst, failing files that one
 * more patient retry would have saved; here only the attempt count per request limits retries.
 */
import type { RetryErrorInfo, RetryErrorType, RetryStrategyV2, StandardRetryToken } from '@smithy/types';

export interface RetryOptions {
  /** Attempts per request, the first included (default 10). */
  maxAttempts?: number;
  /** Backoff base for 5xx and network errors (default 100 ms). */
  baseDelayMs?: number;
  /** Backoff base when the server asked us to slow down (503 SlowDown, 429) (default 500 ms). */
  throttleBaseDelayMs?: number;
  /** Cap on one wait (default 20 s). */
  maxDelayMs?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 10;

/** SERVER_ERROR is any other 5xx: worth a few more tries against a struggling endpoint. */
const RETRYABLE: ReadonlySet<RetryErrorType> = new Set<RetryErrorType>(['THROTTLING', 'TRANSIENT', 'SERVER_ERROR']);

/** Exponential backoff with full jitter: spreads the retries of many parallel requests. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number): number {
  return Math.floor(Math.random() * Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1)));
}

class Token implements StandardRetryToken {
  constructor(
    private readonly count: number,
    private readonly delay: number,
  ) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return this.delay;
  }
  getRetryCost(): number | undefined {
    return undefined;
  }
}

export class BackoffRetryStrategy implements RetryStrategyV2 {
  readonly maxAttempts: number;
  private readonly base: number;
  private readonly throttleBase: number;
  private readonly max: number;

  constructor(options: RetryOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.base = options.baseDelayMs ?? 100;
    this.throttleBase = options.throttleBaseDelayMs ?? 500;
    this.max = options.maxDelayMs ?? 20_000;
  }

  async acquireInitialRetryToken(_scope: string): Promise<StandardRetryToken> {
    return new Token(0, 0);
  }

  /** Throwing tells the middleware to give up and report the request's own error. */
  async refreshRetryTokenForRetry(token: StandardRetryToken, info: RetryErrorInfo): Promise<StandardRetryToken> {
    const retry = token.getRetryCount() + 1;
    if (retry >= this.maxAttempts || !RETRYABLE.has(info.errorType)) throw new Error('no more retries');
    let delay = backoffDelay(retry, info.errorType === 'THROTTLING' ? this.throttleBase : this.base, this.max);
    // Honour Retry-After, but never wait longer than the cap for it.
    if (info.retryAfterHint) delay = Math.max(delay, Math.min(info.retryAfterHint.getTime() - Date.now(), this.max));
    return new Token(retry, delay);
  }

  recordSuccess(_token: StandardRetryToken): void {}
}
