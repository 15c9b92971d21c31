// The callbacks design's part of the worker process, wired as src/worker.ts wires it: a receiver in the same
// process, signals through a client connection of its own, and a per-job callback URL for the submit activity.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import type { ActivityDeps, WaitPolicy } from '../src/activities/index.js';
import { hintSweeps } from '../src/callbacks/deliver.js';
import { startCallbackReceiver } from '../src/callbacks/receiver.js';
import { callbackUrl } from '../src/callbacks/token.js';

export interface WorkerCallbacks {
  readonly deps: Pick<ActivityDeps, 'wait' | 'callbackUrl'>;
  close(): Promise<void>;
}

export async function startWorkerCallbacks(options: {
  readonly address: string;
  readonly namespace: string;
  readonly wait: WaitPolicy;
  readonly webhookSecret: string;
  readonly logger: Logger;
}): Promise<WorkerCallbacks> {
  // Made fresh per run: the token only has to be unguessable to others, and nothing outlives the run.
  const secret = randomBytes(32).toString('base64url');
  const connection = await Connection.connect({ address: options.address });
  try {
    const receiver = await startCallbackReceiver({
      host: '127.0.0.1',
      port: 0,
      secret,
      webhookSecret: options.webhookSecret,
      deliver: hintSweeps(new Client({ connection, namespace: options.namespace })),
      logger: options.logger,
    });
    return {
      deps: {
        wait: options.wait,
        callbackUrl: (jobId) => callbackUrl(receiver.url, secret, jobId),
      },
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
