// The worker under test, in a process of its own so that its CPU time and resident set are measured alone:
// the simulator, the client and the harness live in the parent. It is the production worker's wiring
// (src/worker.ts) with the bundle built by the harness and the simulator's address passed in.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import {
  createActivities,
  defaultFallbackCheckMs,
  type ActivityDeps,
  type WaitPolicy,
} from '../src/activities/index.js';
import { defaultRateCard, snapshotRateCard } from '../src/domain/rate-card.js';
import { createKlingClient } from '../src/kling/client.js';
import { openStore } from '../src/store/open-store.js';
import { keepTaskSweepRunning } from '../src/temporal/task-sweep.js';
import { createAlternativeActivities } from './alternatives/activities.js';
import { designs } from './designs.js';
import { startWorkerCallbacks } from './worker-callbacks.js';
import { readMemory, resetPeak } from './worker-memory.js';
import { ToWorker, WorkerSpec, type FromWorker, type WorkerSample } from './worker-messages.js';

function sample(): WorkerSample {
  const { user, system } = process.cpuUsage();
  return { cpuMicros: user + system, ...readMemory(), heapUsedBytes: process.memoryUsage().heapUsed };
}

function send(message: FromWorker): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const spec = WorkerSpec.parse(JSON.parse(process.argv[2] ?? ''));
  // Warnings only: the SDK logs every worker state change at INFO.
  const logger = new DefaultLogger('WARN');
  Runtime.install({ logger });
  const store = await openStore(spec.store);
  // As src/worker.ts wires it: the account's task sweep reads waiting tasks at the poll interval and signals jobs
  // through a client connection of its own; a job's own check is the production default.
  const wait: WaitPolicy = {
    ...spec.wait,
    fallbackCheckMs: defaultFallbackCheckMs(spec.wait.pollIntervalMs),
  };
  const clientConnection = await Connection.connect({ address: spec.address });
  const client = new Client({ connection: clientConnection, namespace: spec.namespace });
  const callbacks =
    spec.callbacks === undefined
      ? undefined
      : await startWorkerCallbacks({
          address: spec.address,
          namespace: spec.namespace,
          wait,
          webhookSecret: spec.callbacks.webhookSecret,
          logger,
        });
  const deps: ActivityDeps = {
    store,
    kling: createKlingClient({
      baseUrl: spec.simulator.url,
      auth: { accessKey: spec.simulator.accessKey, secretKey: spec.simulator.secretKey },
      timeoutMs: 30_000,
    }),
    rateCard: snapshotRateCard(defaultRateCard),
    wait,
    now: () => new Date(),
    temporal: client,
    ...callbacks?.deps,
  };
  const connection = await NativeConnection.connect({ address: spec.address });
  const worker = await Worker.create({
    connection,
    namespace: spec.namespace,
    taskQueue: spec.taskQueue,
    workflowBundle: { codePath: spec.bundlePath },
    activities: designs[spec.design].alternativeActivities
      ? { ...createActivities(deps), ...createAlternativeActivities(deps) }
      : createActivities(deps),
    ...(spec.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: spec.maxCachedWorkflows }),
    ...(spec.maxConcurrentActivities === undefined
      ? {}
      : { maxConcurrentActivityTaskExecutions: spec.maxConcurrentActivities }),
  });
  const running = worker.run();
  const sweep = keepTaskSweepRunning(client, spec.taskQueue, logger);
  // The harness is gone (killed or crashed): nobody will read a sample or ask for a stop.
  const orphaned = (): never => process.exit(1);
  process.once('disconnect', orphaned);
  process.on('message', (raw) => {
    const message = ToWorker.parse(raw);
    if (message.type === 'baseline') resetPeak();
    if (message.type === 'sample' || message.type === 'baseline') send({ type: 'sample', sample: sample() });
    else if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  send({ type: 'ready' });
  await running;
  const final = sample();
  sweep.stop();
  await connection.close();
  await clientConnection.close();
  await callbacks?.close();
  await store.close();
  send({ type: 'stopped', sample: final });
  process.off('disconnect', orphaned);
  process.disconnect();
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect();
});
