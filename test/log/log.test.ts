import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

const fixed = () => new Date('2026-11-23T12:00:00.000Z');

describe('the logger', () => {
  it('writes one JSON object per line in production, with metadata fields', () => {
    const lines: string[] = [];
    const logger = createLogger({
      format: 'json',
      level: 'INFO',
      secrets: [],
      write: (l) => lines.push(l),
      now: fixed,
    });
    logger.info('job accepted', { workflowId: 'job-1', amountCents: 60 });
    logger.debug('not shown');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        time: '2026-11-23T12:00:00.000Z',
        level: 'info',
        msg: 'job accepted',
        workflowId: 'job-1',
        amountCents: 60,
      },
    ]);
  });

  it('masks configured secrets and anything shaped like a JWT, in text and JSON', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhayJ9.c2lnbmF0dXJl';
    for (const format of ['json', 'text'] as const) {
      const lines: string[] = [];
      const logger = createLogger({
        format,
        level: 'TRACE',
        secrets: ['sk-abcdef'],
        write: (l) => lines.push(l),
        now: fixed,
      });
      logger.error(`request failed with sk-abcdef`, {
        header: `Bearer ${jwt}`,
        error: new Error(`token ${jwt}`),
      });
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toContain('sk-abcdef');
      expect(lines[0]).not.toContain(jwt);
      expect(lines[0]).toContain('[redacted]');
    }
  });
});
