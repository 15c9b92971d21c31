// The worker process: configuration → store, Kling, rate card, Temporal → a worker on the job task queue.
// `node dist/worker.js` (containers) runs `main()`; `kling-video worker` (`npm start`) adds a local dev server.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import {
  accountSlotsWorkflowId,
  createActivities,
  defaultFallbackCheckMs,
  type ActivityDeps,
  type WaitPolicy,
} from './activities/index.js';
import { failureAlarms } from './activities/alarms.js';
import { hintSweeps } from './callbacks/deliver.js';
import { startCallbackReceiver } from './callbacks/receiver.js';
import { callbackUrl } from './callbacks/token.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { defaultRateCard, snapshotRateCard } from './domain/rate-card.js';
import { createKlingClient, type KlingClient, type KlingRequestEvent } from './kling/client.js';
import { createLogger } from './log.js';
import { loadRateCardFile } from './rate-card-file.js';
import { listenStartError, rateCardStartError, storeStartError } from './startup-errors.js';
import { openStore } from './store/open-store.js';
import { obtainTemporalServer, type TemporalServer } from './temporal/dev-server.js';
import { jobWorkerOptions } from './temporal/job-worker-tuning.js';
import { keepTaskSweepRunning } from './temporal/task-sweep.js';
import { withJobIds } from './telemetry/job-log.js';
import { recordKlingRequests, telemetryOptions } from './telemetry/metrics.js';
import { onKlingRequests, startTracing, workflowInterceptorModules } from './telemetry/tracing.js';

// `.ts` when running from source (tsx), `.js` when compiled: the workflow bundler needs the real file.
const sourceExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export interface JobWorker {
  readonly taskQueue: string;
  readonly temporal: TemporalServer;
  /** The bundled simulator's URL when the worker talks to it instead of the real Kling. */
  readonly simulatorUrl: string | undefined;
  /** Resolves once the worker has stopped and everything it opened is closed. */
  run(): Promise<void>;
  /** Stops polling, lets in-flight activities finish (up to the grace time), then `run()` resolves. */
  shutdown(): void;
}

interface Kling {
  readonly client: KlingClient;
  readonly simulatorUrl: string | undefined;
  close(): Promise<void>;
}

async function connectKling(
  config: Config,
  logger: Logger,
  onRequest: (event: KlingRequestEvent) => void,
): Promise<Kling> {
  if (config.kling.kind === 'api') {
    const client = createKlingClient({
      baseUrl: config.kling.baseUrl,
      auth: config.kling.credentials,
      timeoutMs: config.kling.timeoutMs,
      onRequest,
    });
    return { client, simulatorUrl: undefined, close: () => Promise.resolve() };
  }
  // Loaded only in development, so production images never start it by accident. Its tasks live in the data
  // folder and every worker of that folder shares it (src/kling/simulator/embedded.ts); it signs its callbacks
  // when the receiver requires Kling's signature.
  const { obtainEmbeddedSimulator } = await import('./kling/simulator/embedded.js');
  const simulator = await obtainEmbeddedSimulator({
    dataDir: config.store.dataDir,
    ...(config.callbacks?.webhookSecret === undefined
      ? {}
      : { webhookSecret: config.callbacks.webhookSecret }),
  });
  const { accessKey, secretKey, apiKey } = simulator.credentials;
  // One line each: text logs escape line breaks.
  for (const line of [
    '*****************************************************************',
    '*  NO KLING CREDENTIALS: using the bundled Kling SIMULATOR.      *',
    '*  No real video is generated and nobody is charged by Kling.   *',
    '*  Set KLING_ACCESS_KEY + KLING_SECRET_KEY (or KLING_API_KEY).  *',
    '*****************************************************************',
  ])
    logger.warn(line);
  logger.warn(
    simulator.owned ? 'Kling simulator started' : "using another worker's Kling simulator (same data folder)",
    { simulator: simulator.url },
  );
  const client = createKlingClient({
    baseUrl: simulator.url,
    // The key pair signs the legacy API's requests, as real credentials would; the new API takes the API key.
    auth: { accessKey, secretKey, apiKey },
    timeoutMs: config.kling.timeoutMs,
    onRequest,
  });
  return { client, simulatorUrl: simulator.url, close: () => simulator.close() };
}

/** Kling callbacks, account slots and the task sweep: the activity settings they change, and what they opened. */
interface JobPorts {
  readonly deps: Pick<ActivityDeps, 'wait' | 'callbackUrl' | 'temporal'>;
  close(): Promise<void>;
}

async function connectJobPorts(config: Config, temporal: TemporalServer, logger: Logger): Promise<JobPorts> {
  const { callbacks, maxConcurrentTasks } = config;
  // Only a public URL makes Kling call back; with it, callbacks hint the sweep and the sweep itself can be slower.
  const sending = callbacks?.baseUrl === undefined ? undefined : { ...callbacks, baseUrl: callbacks.baseUrl };
  const pollIntervalMs = sending?.pollIntervalMs ?? config.wait.pollIntervalMs;
  const wait: WaitPolicy = {
    pollIntervalMs,
    budgetMs: config.wait.budgetMs,
    fallbackCheckMs: defaultFallbackCheckMs(pollIntervalMs),
    ...(maxConcurrentTasks === undefined
      ? {}
      : {
          slots: {
            workflowId: accountSlotsWorkflowId(config.temporal.taskQueue),
            limit: maxConcurrentTasks,
          },
        }),
  };
  const callbackUrlOf =
    sending === undefined
      ? {}
      : { callbackUrl: (jobId: string) => callbackUrl(sending.baseUrl, sending.secret, jobId) };
  // The sweep's signals to jobs, callback hints and the slots workflow go through a client connection of their own.
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  try {
    const listenAddress = `${callbacks?.listen?.host}:${callbacks?.listen?.port}`;
    const receiver =
      callbacks?.listen === undefined
        ? undefined
        : await startCallbackReceiver({
            ...callbacks.listen,
            secret: callbacks.secret,
            webhookSecret: callbacks.webhookSecret,
            deliver: hintSweeps(client),
            logger,
          }).catch((error: unknown) => {
            throw listenStartError('KLING_CALLBACK_LISTEN', listenAddress, error);
          });
    if (receiver !== undefined) logger.info('callback receiver listening', { url: receiver.url });
    return {
      deps: { wait, temporal: client, ...callbackUrlOf },
      async close() {
        await receiver?.close();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** Opens everything the worker needs and creates it; the caller installs the Runtime first. */
export async function startJobWorker(config: Config, logger: Logger): Promise<JobWorker> {
  const card =
    config.rateCardPath === undefined
      ? defaultRateCard
      : await loadRateCardFile(config.rateCardPath).catch((error: unknown) => {
          throw rateCardStartError(error);
        });
  const rateCard = snapshotRateCard(card);
  const store = await openStore(
    config.store.databaseUrl === undefined
      ? { dataDir: config.store.dataDir }
      : { databaseUrl: config.store.databaseUrl },
  ).catch((error: unknown) => {
    throw storeStartError(config.store, error);
  });
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const closeAll = async () => {
    for (const close of closers.reverse())
      await close().catch((error: unknown) => {
        logger.error('close failed', { error });
      });
  };
  try {
    // Shut down last (closers run in reverse), so the spans of the last activities are exported.
    const tracing = startTracing(config.tracing);
    closers.push(() => tracing.shutdown());
    const kling = await connectKling(
      config,
      logger,
      onKlingRequests(recordKlingRequests(Runtime.instance().metricMeter), tracing.onKlingRequest),
    );
    closers.push(() => kling.close());
    const temporal = await obtainTemporalServer(config.temporal, {
      log: (line) => {
        logger.info(line);
      },
    });
    closers.push(() => temporal.stop());
    const connection = await NativeConnection.connect({ address: temporal.address });
    closers.push(() => connection.close());
    const ports = await connectJobPorts(config, temporal, logger);
    closers.push(() => ports.close());

    const worker = await Worker.create({
      connection,
      namespace: temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...(config.workflowBundlePath === undefined
        ? { workflowsPath: fileURLToPath(new URL(`./workflows/index${sourceExtension}`, import.meta.url)) }
        : { workflowBundle: { codePath: config.workflowBundlePath } }),
      interceptors: {
        // A bundle built ahead already holds them (scripts/bundle-workflows.ts).
        ...(config.workflowBundlePath === undefined
          ? { workflowModules: [...workflowInterceptorModules] }
          : {}),
        // Every activity error is classified once, and one that keeps recurring raises an alarm (issue 13).
        activity: [...tracing.worker.activityInterceptors, failureAlarms()],
      },
      sinks: tracing.worker.sinks,
      activities: createActivities({
        store,
        kling: kling.client,
        rateCard,
        newApiModels: config.kling.newApiModels,
        now: () => new Date(),
        // The wait policy (config.wait, adjusted for callbacks and slots) and the callback/slot ports.
        ...ports.deps,
      }),
      shutdownGraceTime: config.shutdownGraceMs,
      // Woken jobs before new ones, and every job in flight kept in memory (src/temporal/job-worker-tuning.ts).
      ...jobWorkerOptions(),
    });
    const sweep = keepTaskSweepRunning(ports.deps.temporal, config.temporal.taskQueue, logger);
    closers.push(() => Promise.resolve(sweep.stop()));
    logger.info('worker ready', {
      taskQueue: config.temporal.taskQueue,
      temporal: temporal.address,
      namespace: temporal.namespace,
      temporalSource: temporal.source,
      database: config.store.databaseUrl === undefined ? `PGlite ${config.store.dataDir}` : 'PostgreSQL',
      kling: config.kling.kind === 'api' ? config.kling.baseUrl : `simulator ${kling.simulatorUrl}`,
      rateCard: `${rateCard.card.version} sha256:${rateCard.sha256.slice(0, 12)}`,
    });
    return {
      taskQueue: config.temporal.taskQueue,
      temporal,
      simulatorUrl: kling.simulatorUrl,
      run: () => worker.run().finally(closeAll),
      shutdown: () => worker.shutdown(),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The process's logger and Temporal Runtime, once per process: job ids on every job line, metrics when
 * configured, and SIGINT/SIGTERM making every worker drain (in-flight activities get the grace time to finish).
 * `shutdown` releases the Runtime when no worker ever ran (a worker's end releases it anyway): with the core's
 * logs forwarded, an installed Runtime keeps the process alive.
 */
export function installRuntime(config: Config): { logger: Logger; shutdown: () => Promise<void> } {
  const logger = withJobIds(createLogger({ ...config.log, secrets: config.secrets }));
  const runtime = Runtime.install({
    logger,
    telemetryOptions: {
      ...telemetryOptions(config.metrics).telemetryOptions,
      // The Rust core's own lines (its poll errors during a server outage, say) go through the same logger, so
      // they are JSON in JSON mode and pass the redaction; left alone, the core writes coloured text to stderr.
      logging: { forward: {}, filter: { core: config.log.level, other: 'ERROR' } },
    },
    shutdownSignals: ['SIGINT', 'SIGTERM'],
  });
  if (config.metrics !== undefined)
    logger.info('metrics served', { url: `http://${config.metrics.bindAddress}/metrics` });
  return { logger, shutdown: () => runtime.shutdown() };
}

/** `node dist/worker.js` (containers): configuration from the environment, then run until a signal. */
export async function main(): Promise<void> {
  let shutdown = (): Promise<void> => Promise.resolve();
  try {
    const config = loadConfig();
    const runtime = installRuntime(config);
    shutdown = runtime.shutdown;
    const worker = await startJobWorker(config, runtime.logger);
    await worker.run();
    runtime.logger.info('worker stopped');
  } catch (error) {
    // The README's promise for configuration errors: one line, exit 2.
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`kling-video worker: ${error.message}
`);
    process.exitCode = 2;
  } finally {
    await shutdown();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
