/**
 * What the caller should do about a failed Kling call:
 * - `retryable`: try again later (with backoff);
 * - `fatal`: retrying cannot help (bad input, configuration, account state);
 * - `reauth`: sign a fresh token and retry once; the client turns a second failure into `fatal`.
 */
export type KlingErrorKind = 'retryable' | 'fatal' | 'reauth';

export interface KlingErrorClass {
  readonly httpStatus: number;
  readonly kind: KlingErrorKind;
  readonly meaning: string;
  /**
   * Kling's throttling answers: the smallest delay before a retry, from which retries back off exponentially
   * (src/activities/failures.ts). kling-api.md names ≥ 1 s for 1303; 1302 gets the same floor.
   */
  readonly minBackoffMs?: number;
}

/**
 * The error table of kling-api.md, the one place a Kling code is classified. The simulator answers with
 * these HTTP statuses and the client derives its retry decision from `kind`.
 */
export const klingErrorTable: Readonly<Record<number, KlingErrorClass>> = {
  1000: { httpStatus: 401, kind: 'fatal', meaning: 'authentication failed' },
  1001: { httpStatus: 401, kind: 'fatal', meaning: 'authorization header is empty' },
  1002: { httpStatus: 401, kind: 'fatal', meaning: 'authorization header is invalid' },
  1003: { httpStatus: 401, kind: 'reauth', meaning: 'token not yet valid' },
  1004: { httpStatus: 401, kind: 'reauth', meaning: 'token expired' },
  // HTTP 429, yet not retryable: the account itself must change.
  1100: { httpStatus: 429, kind: 'fatal', meaning: 'account abnormal' },
  1101: { httpStatus: 429, kind: 'fatal', meaning: 'account in arrears' },
  1102: { httpStatus: 429, kind: 'fatal', meaning: 'resource pack exhausted or expired' },
  1103: { httpStatus: 403, kind: 'fatal', meaning: 'no access to this API or model' },
  1200: { httpStatus: 400, kind: 'fatal', meaning: 'invalid request parameters' },
  1201: { httpStatus: 400, kind: 'fatal', meaning: 'invalid parameter value' },
  1202: { httpStatus: 404, kind: 'fatal', meaning: 'invalid request method' },
  1203: { httpStatus: 404, kind: 'fatal', meaning: 'requested resource not found' },
  1300: { httpStatus: 400, kind: 'fatal', meaning: 'platform policy triggered' },
  1301: { httpStatus: 400, kind: 'fatal', meaning: 'content safety policy triggered' },
  1302: { httpStatus: 429, kind: 'retryable', meaning: 'request rate too high', minBackoffMs: 1000 },
  1303: { httpStatus: 429, kind: 'retryable', meaning: 'too many parallel tasks', minBackoffMs: 1000 },
  1304: { httpStatus: 429, kind: 'fatal', meaning: 'IP allow-list policy triggered' },
  5000: { httpStatus: 500, kind: 'retryable', meaning: 'server error' },
  5001: { httpStatus: 503, kind: 'retryable', meaning: 'server temporarily unavailable' },
  5002: { httpStatus: 504, kind: 'retryable', meaning: 'server timeout' },
};

/** Codes after which a create may still have been accepted (kling-api.md: "a create may still have succeeded"). */
const ambiguousCodes: ReadonlySet<number> = new Set([5000, 5001, 5002]);

export interface KlingErrorDetails {
  readonly httpStatus: number | null;
  readonly code: number | null;
  readonly requestId: string | null;
  readonly kind: KlingErrorKind;
  /** True when the request was a create that Kling may have accepted: look the task up before creating again. */
  readonly ambiguous: boolean;
  readonly minBackoffMs?: number;
}

/** The one error type of the Kling client. Its message never contains a key, secret or token. */
export class KlingError extends Error implements KlingErrorDetails {
  override readonly name = 'KlingError';
  readonly httpStatus: number | null;
  readonly code: number | null;
  readonly requestId: string | null;
  readonly kind: KlingErrorKind;
  readonly ambiguous: boolean;
  readonly minBackoffMs?: number;

  constructor(message: string, details: KlingErrorDetails) {
    super(message);
    this.httpStatus = details.httpStatus;
    this.code = details.code;
    this.requestId = details.requestId;
    this.kind = details.kind;
    this.ambiguous = details.ambiguous;
    if (details.minBackoffMs !== undefined) this.minBackoffMs = details.minBackoffMs;
  }
}

/** Classifies a Kling answer with a non-zero code. Unknown codes fall back on the HTTP status class. */
export function classifyKlingCode(
  code: number,
  httpStatus: number,
  isCreate: boolean,
): Pick<KlingErrorDetails, 'kind' | 'ambiguous' | 'minBackoffMs'> & { meaning: string } {
  const known = Object.hasOwn(klingErrorTable, code) ? klingErrorTable[code] : undefined;
  if (known !== undefined) {
    return {
      kind: known.kind,
      ambiguous: isCreate && ambiguousCodes.has(code),
      meaning: known.meaning,
      ...(known.minBackoffMs === undefined ? {} : { minBackoffMs: known.minBackoffMs }),
    };
  }
  const serverSide = httpStatus >= 500;
  return {
    kind: serverSide ? 'retryable' : 'fatal',
    ambiguous: isCreate && serverSide,
    meaning: 'unknown error code',
  };
}

/**
 * A request without a usable Kling answer: no response at all (connection reset, timeout) or a body that is
 * not a Kling envelope. Without a response, or with a 2xx / 5xx / 429 one, the outcome is unknown: retryable,
 * and a create may have been accepted. Any other 4xx means the request was refused (a wrong base URL, say).
 */
export function classifyTransportFailure(httpStatus: number | null, isCreate: boolean): KlingErrorDetails {
  const refused = httpStatus !== null && httpStatus >= 400 && httpStatus < 500 && httpStatus !== 429;
  return {
    httpStatus,
    code: null,
    requestId: null,
    kind: refused ? 'fatal' : 'retryable',
    ambiguous: isCreate && !refused,
  };
}
