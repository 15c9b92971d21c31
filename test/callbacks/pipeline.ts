// test/support/pipeline.ts plus Kling callbacks (a real receiver on a free port, signalling through the test's
// Temporal client) and account slots, wired as src/worker.ts wires them.
import { randomBytes } from 'node:crypto';
import {
  accountSlotsWorkflowId,
  createActivities,
  type ActivityDeps,
  type JobActivities,
  type SlotPolicy,
} from '../../src/activities/index.js';
import { hintSweeps } from '../../src/callbacks/deliver.js';
import { startCallbackReceiver, type CallbackReceiver } from '../../src/callbacks/receiver.js';
import { callbackUrl } from '../../src/callbacks/token.js';
import { createLogger } from '../../src/log.js';
import { startPipeline, type Pipeline, type PipelineOptions } from '../support/pipeline.js';

export interface JobPipelineOptions extends PipelineOptions {
  /**
   * Kling callbacks on, the task sweep at this (slower) interval; signed with `webhookSecret` when given. Received
   * by an in-process receiver, or by `external` (e.g. a `kling-video callbacks` process) with its secret.
   */
  readonly callbacks?: {
    readonly pollIntervalMs: number;
    readonly webhookSecret?: string;
    readonly external?: { readonly url: string; readonly secret: string };
  };
  /** KLING_MAX_CONCURRENT_TASKS. */
  readonly maxConcurrentTasks?: number;
}

export interface JobPipeline extends Pipeline {
  readonly receiver: CallbackReceiver | undefined;
  /** KLING_CALLBACK_SECRET of this pipeline. */
  readonly secret: string;
  readonly slots: SlotPolicy | undefined;
  /** Every line the receiver logged. */
  readonly receiverLog: readonly string[];
}

/**
 * startPipeline builds its activities from its own deps before this one can add the callback URL and slots, so
 * the worker is given stand-ins that call the real activities, created once the pipeline is up.
 */
function lateBound(shape: JobActivities, get: () => JobActivities | undefined): JobActivities {
  return Object.fromEntries(
    Object.keys(shape).map((name) => [
      name,
      (...args: unknown[]) => {
        const target = get();
        if (target === undefined) throw new Error(`activity ${name} ran before the pipeline was ready`);
        return (target[name as keyof JobActivities] as (...input: unknown[]) => unknown)(...args);
      },
    ]),
  ) as JobActivities;
}

export async function startJobPipeline(options: JobPipelineOptions): Promise<JobPipeline> {
  const ready: { activities?: JobActivities } = {};
  const webhookSecret = options.callbacks?.webhookSecret;
  const pipeline = await startPipeline({
    ...options,
    simulator: { ...options.simulator, ...(webhookSecret === undefined ? {} : { webhookSecret }) },
    activities: (shape) => lateBound(shape, () => ready.activities),
  });
  const external = options.callbacks?.external;
  const secret = external?.secret ?? randomBytes(32).toString('base64url');
  const receiverLog: string[] = [];
  const receiver =
    options.callbacks === undefined || external !== undefined
      ? undefined
      : await startCallbackReceiver({
          host: '127.0.0.1',
          port: 0,
          secret,
          webhookSecret,
          deliver: hintSweeps(pipeline.temporal.client),
          // No redaction configured: the test checks that nothing secret is written in the first place.
          logger: createLogger({
            format: 'text',
            level: 'TRACE',
            secrets: [],
            write: (line) => receiverLog.push(line),
          }),
        });
  const slots =
    options.maxConcurrentTasks === undefined
      ? undefined
      : {
          workflowId: accountSlotsWorkflowId(pipeline.temporal.taskQueue),
          limit: options.maxConcurrentTasks,
        };
  const deps: ActivityDeps = {
    ...pipeline.deps,
    wait: {
      ...pipeline.deps.wait,
      ...(options.callbacks === undefined ? {} : { pollIntervalMs: options.callbacks.pollIntervalMs }),
      ...(slots === undefined ? {} : { slots }),
    },
    ...(receiver === undefined && external === undefined
      ? {}
      : { callbackUrl: (jobId: string) => callbackUrl(external?.url ?? receiver!.url, secret, jobId) }),
  };
  const real = createActivities(deps);
  ready.activities = { ...real, ...options.activities?.(real) };
  return {
    ...pipeline,
    deps,
    receiver,
    secret,
    slots,
    receiverLog,
    async close() {
      await pipeline.close();
      await receiver?.close();
    },
  };
}
