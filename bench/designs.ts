// The designs the benchmark compares: the production workflow and the two alternatives under bench/alternatives.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { JOB_WORKFLOW } from '../src/definitions/job.js';

export const Design = z.enum(['retry-poll', 'callbacks', 'sleep-loop', 'heartbeat']);
export type Design = z.infer<typeof Design>;

export interface DesignSpec {
  /** The workflow type the harness starts. */
  readonly workflowType: string;
  /** The bundle entry the worker loads. */
  readonly workflowsPath: string;
  /** Whether the worker registers bench/alternatives/activities.ts next to the production activities. */
  readonly alternativeActivities: boolean;
  /** Whether jobs send Kling a `callback_url` and the worker process runs the callback receiver. */
  readonly callbacks: boolean;
  readonly description: string;
}

const production = fileURLToPath(new URL('../src/workflows/index.ts', import.meta.url));
const alternatives = fileURLToPath(new URL('./alternatives/workflows.ts', import.meta.url));

export const designs: Readonly<Record<Design, DesignSpec>> = {
  'retry-poll': {
    workflowType: JOB_WORKFLOW,
    workflowsPath: production,
    alternativeActivities: false,
    callbacks: false,
    description: 'production: one check per activity attempt, the retry policy is the poll timer',
  },
  callbacks: {
    workflowType: JOB_WORKFLOW,
    workflowsPath: production,
    alternativeActivities: false,
    callbacks: true,
    description:
      'production with Kling callbacks: a callback signals the job, polling (slower) is the fallback',
  },
  'sleep-loop': {
    workflowType: 'sleepLoopJob',
    workflowsPath: alternatives,
    alternativeActivities: true,
    callbacks: false,
    description: '(a) workflow `sleep` + one check activity, in a loop',
  },
  heartbeat: {
    workflowType: 'heartbeatJob',
    workflowsPath: alternatives,
    alternativeActivities: true,
    callbacks: false,
    description: '(b) one heartbeating activity that loops until the task ends',
  },
};
