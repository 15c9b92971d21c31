// The callback receiver of a worker process with callbacks on, run as src/worker.ts runs it: in the same process,
// signalling jobs through a client connection of its own, with a per-job callback URL for the submit activity.
// Which signal a valid callback becomes is the design's (`deliver`): production's or the frozen one.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import type { DeliverHint } from '../src/callbacks/deliver.js';
import { startCallbackReceiver } from '../src/callbacks/receiver.js';
import { callbackUrl } from '../src/callbacks/token.js';
import type { WorkerSpec } from './worker-messages.js';

export interface WorkerCallbacks {
  /** The `callback_url` the submit activity sends Kling for a job. */
  readonly callbackUrl: (jobId: string) => string;
  close(): Promise<void>;
}

/** The receiver when the spec turns callbacks on; `undefined` otherwise. */
export async function startWorkerCallbacks(
  spec: WorkerSpec,
  logger: Logger,
  deliver: (client: Client) => DeliverHint,
): Promise<WorkerCallbacks | undefined> {
  if (spec.callbacks === undefined) return undefined;
  // Made fresh per run: the token only has to be unguessable to others, and nothing outlives the run.
  const secret = randomBytes(32).toString('base64url');
  const connection = await Connection.connect({ address: spec.address });
  try {
    const receiver = await startCallbackReceiver({
      host: '127.0.0.1',
      port: 0,
      secret,
      webhookSecret: spec.callbacks.webhookSecret,
      deliver: deliver(new Client({ connection, namespace: spec.namespace })),
      logger,
    });
    return {
      callbackUrl: (jobId) => callbackUrl(receiver.url, secret, jobId),
      async close() {
        await receiver.close();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
