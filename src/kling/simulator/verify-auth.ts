import { decodeJwt, errors, jwtVerify } from 'jose';

export interface SimulatorCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly apiKey: string;
}

/**
 * Checks an `Authorization` header as Kling does. Returns 0 when accepted, else the Kling code:
 * 1001 empty header; 1002 not a bearer token, or an undecodable JWT; 1000 wrong API key, unknown issuer
 * or bad signature — or any JWT where only an API key is taken (`apiKeyOnly`: the new API); 1003 not yet valid
 * (`nbf`); 1004 expired (`exp`).
 */
export function createAuthVerifier(credentials: SimulatorCredentials) {
  const key = new TextEncoder().encode(credentials.secretKey);
  return async function verify(
    header: string | undefined,
    nowMs: number,
    apiKeyOnly = false,
  ): Promise<number> {
    if (header === undefined || header.trim() === '') return 1001;
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (match === null) return 1002;
    const token = match[1]!;
    if (token === credentials.apiKey) return 0;
    if (apiKeyOnly) return 1000;
    // Not shaped like a JWT: a wrong API key.
    if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return 1000;
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      return 1002;
    }
    if (issuer !== credentials.accessKey) return 1000;
    try {
      await jwtVerify(token, key, {
        algorithms: ['HS256'],
        currentDate: new Date(nowMs),
        requiredClaims: ['iss', 'exp', 'nbf'],
      });
      return 0;
    } catch (error) {
      if (error instanceof errors.JWTExpired) return 1004;
      if (
        error instanceof errors.JWTClaimValidationFailed &&
        error.claim === 'nbf' &&
        error.reason === 'check_failed'
      ) {
        return 1003;
      }
      if (
        error instanceof errors.JWSSignatureVerificationFailed ||
        error instanceof errors.JOSEAlgNotAllowed
      ) {
        return 1000;
      }
      return 1002;
    }
  };
}
