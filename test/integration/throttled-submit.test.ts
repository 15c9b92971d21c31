// A create refused for the account's limit (1303) is retried with exponential, jittered backoff from Kling's
// minimum, and the retry skips the lookup by job id (the refused create made no task); after anything ambiguous
// the next attempt still looks up first (issue 14).
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupsIn } from '../support/kling-lookups.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v3-text.json', import.meta.url), 'utf8'),
) as unknown;

const CREATE = 'POST /v1/videos/text2video';
const total = (byStatus: Record<string, number> | undefined) =>
  Object.values(byStatus ?? {}).reduce((sum, count) => sum + count, 0);
/** The simulator's request lines: its counters cannot tell a lookup by job id from a poll. */
const requests: { text: string }[] = [];

describe('a create refused for the account limit (1303)', () => {
  let p: Pipeline;
  /** Requests one lookup by job id costs when there is no such task (however many forms the client tries). */
  let missCost: number;
  beforeAll(async () => {
    p = await startPipeline({
      fileTag: 'throttled-submit',
      simulator: { log: (text) => requests.push({ text }) },
    });
    await p.startWorker();
    expect(await p.deps.kling.findTaskByExternalId('text2video', 'job-that-never-was')).toBeNull();
    missCost = lookupsIn(requests, ['job-that-never-was']);
    expect(missCost).toBeGreaterThan(0);
  });
  afterAll(async () => p?.close());

  it('is retried after growing delays, never looking up a task the refusals could not have made', async () => {
    const before = p.simulator.counters();
    p.simulator.setFaults({ createErrors: [1303, 1303, 1303, 1303] });
    const handle = await p.startJob(payload);
    const result = await handle.result();
    const after = p.simulator.counters();
    expect(total(after.requests[CREATE]) - total(before.requests[CREATE])).toBe(5);
    expect(lookupsIn(requests, [handle.workflowId])).toBe(0);
    expect(after.tasksCreated - before.tasksCreated).toBe(1);
    // The local attempt, then the activity's four. Waits of at least 1 s after the local attempt (the workflow's
    // timer), then 1, 1 and 2 s between the activity's attempts (Kling's 1 s, doubling; jitter only ever adds): a
    // fixed 1 s gives 4 s, and asking again at once after the local refusal less.
    const task = p.simulator.tasks().find((t) => t.taskId === result.klingTaskId);
    const started = (await handle.describe()).startTime.getTime();
    expect(task!.createdAt - started).toBeGreaterThanOrEqual(5_000);
    const timers = (await handle.fetchHistory()).events?.filter((e) => e.timerStartedEventAttributes != null);
    // The backoff timer, and the job's own check.
    expect(timers).toHaveLength(2);
  }, 60_000);

  it('after an ambiguous create (5000), the next attempt looks the task up before creating', async () => {
    const before = p.simulator.counters();
    // Attempt 1 refused (1303); attempt 2 skips the lookup, its create fails ambiguously (the client looks up
    // at once and finds nothing); attempt 3 must look up again before it creates.
    p.simulator.setFaults({ createErrors: [1303, 5000] });
    const handle = await p.startJob(payload);
    await handle.result();
    const after = p.simulator.counters();
    expect(total(after.requests[CREATE]) - total(before.requests[CREATE])).toBe(3);
    expect(lookupsIn(requests, [handle.workflowId])).toBe(2 * missCost);
    expect(after.tasksCreated - before.tasksCreated).toBe(1);
  }, 60_000);
});
