import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callbackUrl, tokenMatches } from '../../src/callbacks/token.js';

const secret = 'a-callback-secret-of-some-length';

describe('per-job callback tokens', () => {
  it('puts HMAC-SHA256(secret, jobId) in base64url after the URL-encoded job id', () => {
    const expected = createHmac('sha256', secret).update('job/1 ü').digest('base64url');
    expect(callbackUrl('https://hooks.example.com/base/', secret, 'job/1 ü')).toBe(
      `https://hooks.example.com/base/kling/callback/job%2F1%20%C3%BC/${expected}`,
    );
  });

  it('accepts only the token of this job under this secret', () => {
    const token = (s: string, jobId: string) => createHmac('sha256', s).update(jobId).digest('base64url');
    expect(tokenMatches(secret, 'job-1', token(secret, 'job-1'))).toBe(true);
    expect(tokenMatches(secret, 'job-2', token(secret, 'job-1'))).toBe(false);
    expect(tokenMatches(secret, 'job-1', token('another-secret-entirely', 'job-1'))).toBe(false);
    expect(tokenMatches(secret, 'job-1', token(secret, 'job-1').slice(0, -2))).toBe(false);
    expect(tokenMatches(secret, 'job-1', '')).toBe(false);
    expect(tokenMatches(secret, 'job-1', `${token(secret, 'job-1')}==`)).toBe(false);
  });
});
