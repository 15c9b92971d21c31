import { z } from 'zod';
import { Resolution } from '../../domain/terms.js';
import { klingErrorTable } from '../errors.js';

const rate = z.number().min(0).max(1);
const count = z.number().int().nonnegative();
const errorCode = z
  .number()
  .int()
  .refine((code) => Object.hasOwn(klingErrorTable, code), 'expected a code of the kling-api.md error table');
const codes = z.array(errorCode);

/**
 * Everything about the simulator's behaviour that can change while it runs (`setFaults`, or POST
 * `/__simulator/faults`). Queues and counts are one-shot faults consumed by the next matching requests;
 * rates are seeded probabilities applied to every matching request.
 */
export const SimulatorKnobs = z.object({
  timeScale: z.number().positive(),
  submittedMs: z.number().nonnegative(),
  processingMs: z.number().nonnegative(),
  jitter: rate,
  concurrencyLimit: z.number().int().positive(),
  latencyMs: z.number().nonnegative(),
  clockSkewMs: z.number().int(),
  outputDurationOffset: z.number(),
  outputResolution: Resolution.nullable(),
  failureRate: rate,
  failureMessage: z.string().min(1),
  failTasks: count,
  errorRate: rate,
  createErrors: codes,
  acceptedCreateErrors: codes,
  queryErrors: codes,
  dropCreates: count,
  dropRate: rate,
  callbackDropRate: rate,
  newApiCharge: z.enum(['unit', 'cash']),
  tasksFindsLegacy: z.boolean(),
  listResults: z.boolean(),
  reusedExternalId: z.enum(['refuse', 'create']),
});
export type SimulatorKnobs = z.infer<typeof SimulatorKnobs>;

/** A partial update; unknown keys are refused so a typo in a test or a POST does not pass silently. */
export const SimulatorKnobsUpdate = SimulatorKnobs.partial().strict();
export type SimulatorKnobsUpdate = z.infer<typeof SimulatorKnobsUpdate>;

export const defaultKnobs: SimulatorKnobs = {
  timeScale: 1,
  submittedMs: 2_000,
  processingMs: 30_000,
  jitter: 0.2,
  concurrencyLimit: 10,
  latencyMs: 0,
  clockSkewMs: 0,
  outputDurationOffset: 0.04,
  outputResolution: null,
  failureRate: 0,
  failureMessage: 'Failure to pass the risk control system (simulated)',
  failTasks: 0,
  errorRate: 0,
  createErrors: [],
  acceptedCreateErrors: [],
  queryErrors: [],
  dropCreates: 0,
  dropRate: 0,
  callbackDropRate: 0,
  newApiCharge: 'unit',
  tasksFindsLegacy: false,
  listResults: true,
  reusedExternalId: 'refuse',
};

/** How a knob is written on the command line; every knob has one, so `--help` and the flags cannot drift apart. */
export interface KnobFlag {
  readonly flag: string;
  readonly kind: 'number' | 'codes' | 'text' | 'resolution' | 'boolean';
  readonly help: string;
}

export const knobFlags: Readonly<Record<keyof SimulatorKnobs, KnobFlag>> = {
  timeScale: {
    flag: 'time-scale',
    kind: 'number',
    help: 'multiplies every lifecycle delay (0.01 = 100x faster); timestamps stay wall-clock',
  },
  submittedMs: {
    flag: 'submitted-ms',
    kind: 'number',
    help: 'time a task stays "submitted", before scaling',
  },
  processingMs: {
    flag: 'processing-ms',
    kind: 'number',
    help: 'time a task stays "processing", before scaling',
  },
  jitter: { flag: 'jitter', kind: 'number', help: 'seeded +/- fraction applied to both delays (0-1)' },
  concurrencyLimit: {
    flag: 'concurrency-limit',
    kind: 'number',
    help: 'tasks in flight (submitted or processing) per account; a create over it answers 429/1303',
  },
  latencyMs: {
    flag: 'latency-ms',
    kind: 'number',
    help: 'delay before every API answer, after acting (a client timeout on a create is then ambiguous)',
  },
  clockSkewMs: {
    flag: 'clock-skew-ms',
    kind: 'number',
    help: "the simulator's clock minus the real one: drives token checks (1003/1004) and timestamps",
  },
  outputDurationOffset: {
    flag: 'output-duration-offset',
    kind: 'number',
    help: 'seconds added to the requested duration in the reported video duration (0.04 gives "5.04")',
  },
  outputResolution: {
    flag: 'output-resolution',
    kind: 'resolution',
    help: 'resolution of the served videos (x-simulator-resolution header); "none" follows the mode (std 720p, pro 1080p)',
  },
  failureRate: {
    flag: 'failure-rate',
    kind: 'number',
    help: 'seeded chance that a task ends "failed" (0-1)',
  },
  failureMessage: { flag: 'failure-message', kind: 'text', help: 'task_status_msg of failed tasks' },
  failTasks: { flag: 'fail-tasks', kind: 'number', help: 'the next N created tasks end "failed"' },
  errorRate: {
    flag: 'error-rate',
    kind: 'number',
    help: 'seeded chance that an API request answers 1302, 5000, 5001 or 5002 without acting (0-1)',
  },
  createErrors: {
    flag: 'create-errors',
    kind: 'codes',
    help: 'comma-separated codes answered, in order, to the next creates, without creating (e.g. 1303,1303,1301)',
  },
  acceptedCreateErrors: {
    flag: 'accepted-create-errors',
    kind: 'codes',
    help: 'codes answered to the next creates AFTER creating the task (e.g. 5002: Kling timed out but accepted)',
  },
  queryErrors: {
    flag: 'query-errors',
    kind: 'codes',
    help: 'codes answered, in order, to the next queries (one task or a list)',
  },
  dropCreates: {
    flag: 'drop-creates',
    kind: 'number',
    help: 'the next N creates are accepted, then the connection is destroyed without an answer',
  },
  dropRate: {
    flag: 'drop-rate',
    kind: 'number',
    help: 'seeded chance that a create is accepted then dropped (0-1)',
  },
  callbackDropRate: {
    flag: 'callback-drop-rate',
    kind: 'number',
    help: 'seeded chance that a callback is not sent (the receiver must fall back on polling)',
  },
  newApiCharge: {
    flag: 'new-api-charge',
    kind: 'text',
    help: 'what the new API reports it charged for a succeeded task (billing[]): "unit" (a package\'s units) or "cash" (USD)',
  },
  tasksFindsLegacy: {
    flag: 'tasks-finds-legacy',
    kind: 'boolean',
    help: "whether the new API's /tasks queries also find legacy tasks (uncertain in the docs): true or false",
  },
  listResults: {
    flag: 'list-results',
    kind: 'boolean',
    help: "whether a legacy list page's entries carry task_result and task_status_msg as a query's data does (the page shows one task object; entries without them are the stricter reading): true or false",
  },
  reusedExternalId: {
    flag: 'reused-external-id',
    kind: 'text',
    help: 'what a create whose external_task_id is in use gets (undocumented): "refuse" (1201) or "create" (a second, paid task)',
  },
};

/** Turns a command-line value into the knob's JSON value (validated afterwards by `SimulatorKnobsUpdate`). */
export function parseKnobValue(kind: KnobFlag['kind'], raw: string): unknown {
  switch (kind) {
    case 'number':
      return raw.trim() === '' ? Number.NaN : Number(raw);
    case 'codes':
      return raw.trim() === '' ? [] : raw.split(',').map((code) => Number(code.trim()));
    case 'resolution':
      return raw === 'none' ? null : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'text':
      return raw;
  }
}
