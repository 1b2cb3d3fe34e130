/** Errors from the cluster, carrying the server's result code when there is one. */
export class AerospikeError extends Error {
  override name = 'AerospikeError';
  constructor(
    message: string,
    /** Server result code (wire protocol §13), or a negative client-side code. */
    readonly code: number,
    /** True when the command may or may not have been applied (a write cut off in flight). */
    readonly inDoubt = false,
  ) {
    super(message);
  }
}

export const ClientCode = {
  /** The connection failed or was closed by the peer. */
  CONNECTION: -1,
  TIMEOUT: -2,
  /** The peer sent bytes that do not parse. */
  PROTOCOL: -3,
  CANCELLED: -4,
} as const;

/** Errors worth another attempt: transport failures and transient server states. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof AerospikeError)) return false;
  return [ClientCode.CONNECTION, ClientCode.TIMEOUT, 9, 11, 14, 18, 8, 7].includes(err.code);
}
