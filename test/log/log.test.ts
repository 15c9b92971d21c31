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

describe('control characters in log lines (issue 13, row 8)', () => {
  const capture = (format: 'json' | 'text', secrets: string[] = []) => {
    const lines: string[] = [];
    const logger = createLogger({ format, level: 'INFO', secrets, write: (l) => lines.push(l), now: fixed });
    return { lines, logger };
  };
  const forged = 'task-1\n2026-11-23T12:00:00.000Z INFO  bill inserted jobId=victim costUsd=0.00';

  it('text lines escape newlines, ANSI escapes and NUL in the message, field names and values', () => {
    const { lines, logger } = capture('text');
    logger.info(`callback for ${forged}`, {
      taskId: forged,
      colour: '\u001b[31mred\u001b[0m',
      nul: 'a\u0000b',
      'k\ney': 1,
    });
    expect(lines).toHaveLength(1);
    const [line = ''] = lines;
    expect(line).not.toMatch(/\p{Cc}/u);
    expect(line).toContain('callback for task-1\\n2026-11-23T12:00:00.000Z INFO  bill inserted');
    // A value with spaces is quoted: it cannot pass for fields of its own.
    expect(line).toContain(
      'taskId="task-1\\n2026-11-23T12:00:00.000Z INFO  bill inserted jobId=victim costUsd=0.00"',
    );
    expect(line).toContain('colour="\\u001b[31mred\\u001b[0m"');
    expect(line).toContain('nul="a\\u0000b"');
    expect(line).toContain('k\\ney=1');
  });

  it('JSON lines escape DEL and C1 controls too, and stay valid JSON', () => {
    const { lines, logger } = capture('json');
    logger.info('csi \u009b2J', { taskId: forged, del: 'a\u007fb' });
    const [line = ''] = lines;
    expect(line).not.toMatch(/\p{Cc}/u);
    expect(JSON.parse(line)).toMatchObject({ msg: 'csi \u009b2J', taskId: forged, del: 'a\u007fb' });
  });

  it('a secret is masked before escaping changes how it is written', () => {
    const secret = 'sk-"quoted"\\secret';
    const { lines, logger } = capture('text', [secret]);
    logger.info(`key ${secret}`, { header: `Bearer ${secret}` });
    expect(lines[0]).not.toContain('quoted');
    expect(lines[0]).toContain('header="Bearer [redacted]"');
  });
});
