// Acceptance: with callbacks on and 60 s of generation (real time: the simulator's time scale stays 1), a job
// completes within 1 s of the simulator's `succeed` transition, with the poll intervals left at their defaults
// (10 s without callbacks, 60 s as the fallback with them). The simulator stamps its transitions and the server
// stamps the workflow's close on the same machine clock.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startJobPipeline, type JobPipeline } from '../callbacks/pipeline.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;

// The defaults a deployment gets by turning callbacks on and setting nothing else.
const config = loadConfig({
  KLING_CALLBACK_BASE_URL: 'https://hooks.example.com',
  KLING_CALLBACK_SECRET: 'only-here-to-turn-callbacks-on',
});

describe('completion on the callback', () => {
  let p: JobPipeline;
  beforeAll(async () => {
    p = await startJobPipeline({
      fileTag: 'callbacks-latency',
      callbacks: { pollIntervalMs: config.callbacks!.pollIntervalMs },
      budgetMs: config.wait.budgetMs,
      simulator: { timeScale: 1, submittedMs: 2_000, processingMs: 60_000, jitter: 0 },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('closes the workflow within 1 s of the task entering succeed after 60 s of generation', async () => {
    expect(config.wait.pollIntervalMs).toBe(10_000);
    expect(config.callbacks?.pollIntervalMs).toBe(60_000);
    const handle = await p.startJob(payload);
    await handle.result();
    const task = p.simulator.tasks().find((t) => t.externalTaskId === handle.workflowId);
    const at = (status: string) => task?.transitions.find((t) => t.status === status)?.at ?? Number.NaN;
    // Node may fire a timer a millisecond before Date.now() says it is due (CI saw 59,999 ms): the point is that
    // the generation took its full minute, not the last millisecond.
    expect(at('succeed') - at('processing')).toBeGreaterThanOrEqual(59_990);
    const closedAt = (await handle.describe()).closeTime?.getTime() ?? Number.NaN;
    const lagMs = closedAt - at('succeed');
    process.stdout.write(`[callbacks-latency] workflow closed ${lagMs} ms after the succeed transition\n`);
    expect(lagMs).toBeGreaterThanOrEqual(0);
    expect(lagMs).toBeLessThan(1_000);
  }, 150_000);
});
