// The callback receiver of a worker process with callbacks on, run as src/worker.ts runs it: in the same process,
// reaching Temporal through a client connection of its own, with a per-job callback URL for the submit activity.
// Which receiver runs, and what a valid callback becomes, is the design's (`listen`): production's receiver hinting
// the account's sweep, or the frozen one signalling the job.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import type { CallbackReceiver } from '../src/callbacks/receiver.js';
import { callbackUrl } from '../src/callbacks/token.js';
import type { WorkerSpec } from './worker-messages.js';

/** What every receiver is started with; the delivery (built from the client) is the design's. */
export interface ReceiverSettings {
  readonly host: string;
  readonly port: number;
  readonly secret: string;
  readonly webhookSecret: string;
  readonly logger: Logger;
}

export type ListenForCallbacks = (client: Client, settings: ReceiverSettings) => Promise<CallbackReceiver>;

export interface WorkerCallbacks {
  /** The `callback_url` the submit activity sends Kling for a job. */
  readonly callbackUrl: (jobId: string) => string;
  close(): Promise<void>;
}

/** The receiver when the spec turns callbacks on; `undefined` otherwise. */
export async function startWorkerCallbacks(
  spec: WorkerSpec,
  logger: Logger,
  listen: ListenForCallbacks,
): Promise<WorkerCallbacks | undefined> {
  if (spec.callbacks === undefined) return undefined;
  // Made fresh per run: the token only has to be unguessable to others, and nothing outlives the run.
  const secret = randomBytes(32).toString('base64url');
  const connection = await Connection.connect({ address: spec.address });
  try {
    const receiver = await listen(new Client({ connection, namespace: spec.namespace }), {
      host: '127.0.0.1',
      port: 0,
      secret,
      webhookSecret: spec.callbacks.webhookSecret,
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
