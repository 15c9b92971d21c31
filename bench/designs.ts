// The designs the benchmark compares: production (src/workflows, wired as src/worker.ts wires it) and the
// alternatives under bench/alternatives, which stand alone on purpose (frozen code, their own wiring).
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { JOB_WORKFLOW } from '../src/definitions/job.js';

export const Design = z.enum([
  'sweep',
  'sweep+callbacks',
  'retry-poll',
  'callbacks',
  'sleep-loop',
  'heartbeat',
]);
export type Design = z.infer<typeof Design>;

export interface DesignSpec {
  /** The workflow type the harness starts: every job is one workflow of this type. */
  readonly workflowType: string;
  /** The bundle entry the worker loads. */
  readonly workflowsPath: string;
  /**
   * `production`: src/workflows + src/activities, wired by bench/production-worker.ts (the mirror of
   * src/worker.ts); these are the designs the targets are judged on. `alternative`: bench/alternatives,
   * wired by bench/alternatives/worker-wiring.ts.
   */
  readonly side: 'production' | 'alternative';
  /** Whether jobs send Kling a `callback_url` and the worker process runs the callback receiver. */
  readonly callbacks: boolean;
  readonly description: string;
}

const production = fileURLToPath(new URL('../src/workflows/index.ts', import.meta.url));
const alternatives = fileURLToPath(new URL('./alternatives/workflows.ts', import.meta.url));

export const designs: Readonly<Record<Design, DesignSpec>> = {
  sweep: {
    workflowType: JOB_WORKFLOW,
    workflowsPath: production,
    side: 'production',
    callbacks: false,
    description: 'production (issue 15): one status sweep per account wakes the jobs whose task ended',
  },
  'sweep+callbacks': {
    workflowType: JOB_WORKFLOW,
    workflowsPath: production,
    side: 'production',
    callbacks: true,
    description: 'production with Kling callbacks feeding the same wake-up path',
  },
  'retry-poll': {
    workflowType: 'retryPollJob',
    workflowsPath: alternatives,
    side: 'alternative',
    callbacks: false,
    description:
      'production before issue 15: one check per activity attempt, the retry policy is the poll timer',
  },
  callbacks: {
    workflowType: 'retryPollJob',
    workflowsPath: alternatives,
    side: 'alternative',
    callbacks: true,
    description:
      'production before issue 15 with callbacks: a callback signals the job, slower polls the fallback',
  },
  'sleep-loop': {
    workflowType: 'sleepLoopJob',
    workflowsPath: alternatives,
    side: 'alternative',
    callbacks: false,
    description: '(a) workflow `sleep` + one check activity, in a loop',
  },
  heartbeat: {
    workflowType: 'heartbeatJob',
    workflowsPath: alternatives,
    side: 'alternative',
    callbacks: false,
    description: '(b) one heartbeating activity that loops until the task ends',
  },
};
