import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HintBatches } from '../../src/callbacks/hint-batches.js';

describe('hint batches', () => {
  let sent: { taskQueue: string; jobIds: readonly string[] }[];
  let fail: Error | undefined;
  const batches = (maxJobs = 100) =>
    new HintBatches({
      windowMs: 100,
      maxJobs,
      send: (taskQueue, jobIds) => {
        sent.push({ taskQueue, jobIds });
        return fail === undefined ? Promise.resolve() : Promise.reject(fail);
      },
    });

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    fail = undefined;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends a window's hints as one signal per task queue, and settles each hint when its batch is sent", async () => {
    const b = batches();
    const settled: string[] = [];
    const add = (queue: string, jobId: string) => b.add(queue, jobId).then(() => settled.push(jobId));
    const adds = [add('q1', 'job-a'), add('q1', 'job-b'), add('q2', 'job-c'), add('q1', 'job-a')];
    await vi.advanceTimersByTimeAsync(99);
    expect(sent).toEqual([]);
    expect(settled).toEqual([]);
    expect(b.pending).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(adds);
    // A job hinted twice in a window is sent once.
    expect(sent).toEqual([
      { taskQueue: 'q1', jobIds: ['job-a', 'job-b'] },
      { taskQueue: 'q2', jobIds: ['job-c'] },
    ]);
    expect(settled.sort()).toEqual(['job-a', 'job-a', 'job-b', 'job-c']);
    expect(b.pending).toBe(0);

    // The next hint opens a new window.
    const next = b.add('q1', 'job-d');
    await vi.advanceTimersByTimeAsync(100);
    await next;
    expect(sent.at(-1)).toEqual({ taskQueue: 'q1', jobIds: ['job-d'] });
  });

  it('sends a full batch at once, and no batch ever holds more than the most', async () => {
    const b = batches(3);
    const adds = Array.from({ length: 7 }, (_, i) => b.add('q', `job-${i}`));
    // Two full batches went without waiting for the window; the seventh hint waits in the next.
    await Promise.all(adds.slice(0, 6));
    expect(sent.map(({ jobIds }) => jobIds)).toEqual([
      ['job-0', 'job-1', 'job-2'],
      ['job-3', 'job-4', 'job-5'],
    ]);
    expect(b.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    await adds[6];
    expect(sent.at(-1)?.jobIds).toEqual(['job-6']);
  });

  it('fails every hint of a batch Temporal did not take, and the next batch tries again', async () => {
    const b = batches();
    fail = new Error('Temporal unavailable');
    const failed = [b.add('q', 'job-a'), b.add('q', 'job-b')].map((added) =>
      added.then(
        () => 'sent',
        (error: unknown) => (error as Error).message,
      ),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(await Promise.all(failed)).toEqual(['Temporal unavailable', 'Temporal unavailable']);
    fail = undefined;
    const retried = b.add('q', 'job-a');
    await vi.advanceTimersByTimeAsync(100);
    await retried;
    expect(sent.at(-1)).toEqual({ taskQueue: 'q', jobIds: ['job-a'] });
  });
});
