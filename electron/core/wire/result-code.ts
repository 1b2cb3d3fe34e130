/** Server result codes on the wire (wire protocol §13). */
export const ResultCode = {
  OK: 0,
  SERVER_ERROR: 1,
  KEY_NOT_FOUND: 2,
  GENERATION: 3,
  PARAMETER: 4,
  KEY_EXISTS: 5,
  BIN_EXISTS: 6,
  CLUSTER_KEY_MISMATCH: 7,
  SERVER_MEM: 8,
  TIMEOUT: 9,
  ALWAYS_FORBIDDEN: 10,
  PARTITION_UNAVAILABLE: 11,
  BIN_TYPE: 12,
  RECORD_TOO_BIG: 13,
  KEY_BUSY: 14,
  SCAN_ABORT: 15,
  UNSUPPORTED_FEATURE: 16,
  BIN_NOT_FOUND: 17,
  DEVICE_OVERLOAD: 18,
  KEY_MISMATCH: 19,
  NAMESPACE: 20,
  BIN_NAME: 21,
  FORBIDDEN: 22,
  ELEMENT_NOT_FOUND: 23,
  ELEMENT_EXISTS: 24,
  FILTERED_OUT: 27,
  QUERY_END: 50,
  SECURITY_NOT_SUPPORTED: 51,
  SECURITY_NOT_ENABLED: 52,
  INVALID_COMMAND: 54,
  INVALID_FIELD: 55,
  INVALID_USER: 60,
  INVALID_PASSWORD: 62,
  INVALID_CREDENTIAL: 65,
  EXPIRED_SESSION: 66,
  NOT_AUTHENTICATED: 80,
  UDF: 100,
  INDEX_FOUND: 200,
  INDEX_NOT_FOUND: 201,
  INDEX_GENERIC: 204,
} as const;

/** Transient server answers: the same command may succeed when sent again. */
export function isRetryable(code: number): boolean {
  return code === ResultCode.TIMEOUT || code === ResultCode.PARTITION_UNAVAILABLE || code === ResultCode.KEY_BUSY ||
    code === ResultCode.DEVICE_OVERLOAD || code === ResultCode.SERVER_MEM || code === ResultCode.CLUSTER_KEY_MISMATCH;
}
