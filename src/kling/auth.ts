import { SignJWT } from 'jose';

/**
 * The legacy API takes an API key or an access/secret key pair (→ JWT); the new API only an API key. With both
 * set, the legacy API signs with the pair (as before the new API) and the new API uses the key: each choice is fixed.
 */
export type KlingCredentials =
  | { readonly accessKey: string; readonly secretKey: string; readonly apiKey?: string }
  | { readonly apiKey: string; readonly accessKey?: never; readonly secretKey?: never };

/** Token lifetime and `nbf` back-dating from kling-api.md. */
export const TOKEN_LIFETIME_SECONDS = 1800;
export const TOKEN_NOT_BEFORE_SKEW_SECONDS = 5;
/** A cached token is re-signed this long before it expires, so clock skew and slow requests never send a stale one. */
export const TOKEN_RENEW_MARGIN_SECONDS = 300;

export interface KlingAuth {
  /** The `Authorization` header value. */
  authorization(): Promise<string>;
  /** Drops the cached token (after 1003/1004). Returns false when a fresh token cannot help (static API key). */
  renew(): boolean;
  /** The strings that must never appear in an error or a log line: the secret or API key and the recent tokens. */
  secrets(): readonly string[];
}

/** The legacy API's auth: the key pair's JWT when the pair is set, else the API key. */
export function createKlingAuth(credentials: KlingCredentials, now: () => number = Date.now): KlingAuth {
  if (credentials.accessKey === undefined) return apiKeyAuth(credentials.apiKey);
  const { accessKey, secretKey } = credentials;
  const key = new TextEncoder().encode(secretKey);
  // The current and the previous token: the only ones a request in flight can still carry.
  let issued: string[] = [];
  let cached: { token: Promise<string>; expiresAt: number } | undefined;

  const sign = (nowSeconds: number): Promise<string> =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(accessKey)
      .setExpirationTime(nowSeconds + TOKEN_LIFETIME_SECONDS)
      .setNotBefore(nowSeconds - TOKEN_NOT_BEFORE_SKEW_SECONDS)
      .sign(key)
      .then((token) => {
        issued = [token, ...issued].slice(0, 2);
        return token;
      });

  return {
    async authorization() {
      const nowSeconds = Math.floor(now() / 1000);
      if (cached === undefined || nowSeconds >= cached.expiresAt - TOKEN_RENEW_MARGIN_SECONDS) {
        cached = { token: sign(nowSeconds), expiresAt: nowSeconds + TOKEN_LIFETIME_SECONDS };
      }
      return `Bearer ${await cached.token}`;
    },
    renew() {
      cached = undefined;
      return true;
    },
    secrets: () => [secretKey, ...issued],
  };
}

/** The new API's auth: the API key, or `undefined` when only a key pair is configured (the new API refuses JWTs). */
export function createNewApiAuth(credentials: KlingCredentials): KlingAuth | undefined {
  return credentials.apiKey === undefined ? undefined : apiKeyAuth(credentials.apiKey);
}

function apiKeyAuth(apiKey: string): KlingAuth {
  return {
    authorization: () => Promise.resolve(`Bearer ${apiKey}`),
    renew: () => false,
    secrets: () => [apiKey],
  };
}
