// Each job's callback URL carries a token only this deployment can compute: HMAC-SHA256 of the job id under
// KLING_CALLBACK_SECRET. Nothing is stored per job, any receiver replica can check it, and a token is worthless
// for any other job.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CALLBACK_PATH = '/kling/callback';

function tokenBytes(secret: string, jobId: string): Buffer {
  return createHmac('sha256', secret).update(jobId, 'utf8').digest();
}

/** `<base>/kling/callback/<jobId>/<token>`: what the submit activity sends Kling as `callback_url`. */
export function callbackUrl(baseUrl: string, secret: string, jobId: string): string {
  const token = tokenBytes(secret, jobId).toString('base64url');
  return `${baseUrl.replace(/\/+$/, '')}${CALLBACK_PATH}/${encodeURIComponent(jobId)}/${token}`;
}

/** Constant-time check of a token taken from a URL. */
export function tokenMatches(secret: string, jobId: string, token: string): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return false;
  const given = Buffer.from(token, 'base64url');
  const expected = tokenBytes(secret, jobId);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
