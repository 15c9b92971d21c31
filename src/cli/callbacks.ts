import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { signalJobs } from '../callbacks/deliver.js';
import { startCallbackReceiver } from '../callbacks/receiver.js';
import { CALLBACK_PATH } from '../callbacks/token.js';
import { ConfigError } from '../config.js';
import { createLogger } from '../log.js';
import { listenStartError } from '../startup-errors.js';
import { loadCliConfig } from './cli-config.js';
import { EXIT_OK, UsageError, type Command } from './command.js';
import { assertTemporalReachable, LOCAL_TEMPORAL_ADDRESS } from './local-temporal.js';

const help = `Usage: kling-video callbacks

Runs the Kling callback receiver on its own (workers run one in-process when KLING_CALLBACK_LISTEN is set):
POST <KLING_CALLBACK_BASE_URL>${CALLBACK_PATH}/<jobId>/<token> → a signal to the job's workflow. A request without
the job's token (HMAC of the job id under KLING_CALLBACK_SECRET), over 64 KiB, not a Kling task object or, when
KLING_WEBHOOK_SECRET is set, without a valid Standard Webhooks signature within 5 minutes is refused with a 4xx.
Only terminal statuses reach the job, which confirms them with a task query before billing.

Environment:
  KLING_CALLBACK_LISTEN   host:port to listen on (required here)
  KLING_CALLBACK_SECRET   the secret the workers sign callback URLs with (required)
  KLING_WEBHOOK_SECRET    whsec_<base64>: also require Kling's signature
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE  where the jobs run (default ${LOCAL_TEMPORAL_ADDRESS})

Stops on SIGINT / SIGTERM. Exit codes: 0 stopped by a signal; 2 missing configuration or no Temporal server.`;

export const callbacksCommand: Command = {
  help,
  async run(argv) {
    try {
      parseArgs({ args: [...argv], options: {}, allowPositionals: false });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const config = loadCliConfig();
    const listen = config.callbacks?.listen;
    if (config.callbacks === undefined || listen === undefined) {
      throw new UsageError(
        'set KLING_CALLBACK_LISTEN (host:port) and KLING_CALLBACK_SECRET to receive callbacks',
      );
    }
    const logger = createLogger({ ...config.log, secrets: config.secrets });
    await assertTemporalReachable(config.temporal);
    const connection = await Connection.connect({
      address: config.temporal.address ?? LOCAL_TEMPORAL_ADDRESS,
    });
    try {
      const receiver = await startCallbackReceiver({
        ...listen,
        secret: config.callbacks.secret,
        webhookSecret: config.callbacks.webhookSecret,
        deliver: signalJobs(new Client({ connection, namespace: config.temporal.namespace })),
        logger,
      }).catch((error: unknown) => {
        const failure = listenStartError('KLING_CALLBACK_LISTEN', `${listen.host}:${listen.port}`, error);
        throw failure instanceof ConfigError ? new UsageError(failure.message) : failure;
      });
      logger.info('callback receiver listening', { url: receiver.url, namespace: config.temporal.namespace });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await receiver.close();
      logger.info('callback receiver stopped');
      return EXIT_OK;
    } finally {
      await connection.close();
    }
  },
};
