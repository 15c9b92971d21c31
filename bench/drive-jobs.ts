// Runs the jobs of one configuration: starters keep at most `concurrency` jobs open, while a monitor counts closed
// jobs in the visibility store once a second and samples the worker's resident set next to the number open.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Simulator } from '../src/kling/simulator/simulator.js';
import type { InFlightSample } from './result.js';
import type { WorkerHandle } from './worker-handle.js';

// Start requests in parallel: enough to start thousands of jobs in seconds, few enough not to starve the worker.
const START_PARALLELISM = 32;
const TICK_MS = 1_000;
const LOG_EVERY_MS = 10_000;

export interface DriveOptions {
  readonly client: Client;
  readonly taskQueue: string;
  readonly workflowType: string;
  readonly payload: unknown;
  readonly jobIds: readonly string[];
  readonly concurrency: number;
  readonly worker: WorkerHandle;
  /** Its requests count as progress: with thousands of jobs queued, the first close can take minutes. */
  readonly simulator: Simulator;
  /** Give up when nothing starts, closes or asks Kling anything for this long. */
  readonly stallMs: number;
  readonly log: (line: string) => void;
}

export interface Drive {
  readonly samples: InFlightSample[];
  readonly maxInFlight: number;
}

export async function driveJobs(options: DriveOptions): Promise<Drive> {
  const { client, taskQueue, jobIds, concurrency, worker } = options;
  const jobs = jobIds.length;
  let claimed = 0;
  let closed = 0;
  let maxInFlight = 0;
  const samples: InFlightSample[] = [];
  const firstStart = Date.now();

  const starter = async (): Promise<void> => {
    while (claimed < jobs) {
      if (claimed - closed >= concurrency) {
        await sleep(TICK_MS / 5);
        continue;
      }
      const workflowId = jobIds[claimed++]!;
      await client.workflow.start(options.workflowType, { taskQueue, workflowId, args: [options.payload] });
    }
  };
  const starters = Promise.all(Array.from({ length: Math.min(START_PARALLELISM, jobs) }, starter));

  let lastProgress = firstStart;
  let lastActivity = '';
  let lastLog = 0;
  while (closed < jobs) {
    await sleep(TICK_MS);
    // Jobs only: a design's shared workflows (a sweep continuing as new) close runs on the same task queue.
    const query = `TaskQueue = "${taskQueue}" AND WorkflowType = "${options.workflowType}" AND ExecutionStatus != "Running"`;
    closed = (await client.workflow.count(query)).count;
    const inFlight = claimed - closed;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const { rssBytes } = await worker.sample();
    samples.push({ atSeconds: (Date.now() - firstStart) / 1000, inFlight, rssBytes });

    const activity = `${claimed} ${closed} ${JSON.stringify(options.simulator.counters().requests)}`;
    if (activity !== lastActivity) lastProgress = Date.now();
    lastActivity = activity;
    if (Date.now() - lastProgress > options.stallMs) {
      throw new Error(`no progress for ${options.stallMs / 1000} s (${closed}/${jobs} closed)`);
    }
    if (Date.now() - lastLog > LOG_EVERY_MS) {
      lastLog = Date.now();
      options.log(
        `  started ${claimed}/${jobs}, closed ${closed}, worker RSS ${Math.round(rssBytes / 2 ** 20)} MiB`,
      );
    }
  }
  await starters;
  return { samples, maxInFlight };
}
