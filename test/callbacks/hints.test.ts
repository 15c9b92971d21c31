// The frozen hint box of jobs started before issue 15 (src/workflows/legacy), kept while such jobs run.
import { describe, expect, it } from 'vitest';
import { MAX_CONFIRMED_HINTS, TaskHints } from '../../src/workflows/legacy/callback-hints.js';

const hint = (updatedAt: number, status: 'succeed' | 'failed' = 'succeed', taskId = 'task-1') => ({
  taskId,
  status,
  updatedAt,
});

describe('callback hints inside a job', () => {
  it('keeps the newest hint about the watched task until it is taken', () => {
    const hints = new TaskHints();
    hints.watch('task-1');
    expect(hints.ready).toBe(false);
    hints.offer(hint(100));
    expect(hints.ready).toBe(true);
    expect(hints.take()).toEqual(hint(100));
    expect(hints.ready).toBe(false);
    expect(hints.take()).toBeUndefined();
  });

  it('drops duplicates, out-of-order deliveries, other tasks and malformed payloads', () => {
    const hints = new TaskHints();
    hints.watch('task-1');
    hints.offer(hint(100));
    hints.take();
    for (const stale of [hint(100), hint(99, 'failed'), hint(500, 'succeed', 'task-2')]) hints.offer(stale);
    for (const junk of [null, 'succeed', { taskId: 'task-1', status: 'processing', updatedAt: 200 }, {}])
      hints.offer(junk);
    hints.offer({ taskId: 'task-1', status: 'succeed', updatedAt: Number.NaN });
    expect(hints.ready).toBe(false);
    hints.offer(hint(101, 'failed'));
    expect(hints.take()).toEqual(hint(101, 'failed'));
  });

  it('a hint that came before the task id was known counts only if it is about that task', () => {
    const early = new TaskHints();
    early.offer(hint(100, 'succeed', 'task-9'));
    early.watch('task-1');
    expect(early.ready).toBe(false);
    const matching = new TaskHints();
    matching.offer(hint(100));
    matching.watch('task-1');
    expect(matching.take()).toEqual(hint(100));
  });

  it(`confirms at most ${MAX_CONFIRMED_HINTS} hints, so a job's history stays bounded`, () => {
    const hints = new TaskHints();
    hints.watch('task-1');
    let taken = 0;
    for (let at = 1; at <= 20; at++) {
      hints.offer(hint(at));
      if (hints.take() !== undefined) taken++;
    }
    expect(taken).toBe(MAX_CONFIRMED_HINTS);
  });
});
