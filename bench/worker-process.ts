// The worker under test, in a process of its own so that its CPU time and resident set are measured alone:
// the simulator, the client and the harness live in the parent. It opens what src/worker.ts opens (store, Kling
// client, rate card, connection) with the bundle built by the harness and the simulator's address passed in;
// the rest is the design's wiring: production-worker.ts for production, alternatives/worker-wiring.ts otherwise.
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { defaultRateCard, snapshotRateCard } from '../src/domain/rate-card.js';
import { createKlingClient } from '../src/kling/client.js';
import type { JobStore } from '../src/store/job-store.js';
import { openStore } from '../src/store/open-store.js';
import { alternativeWiring } from './alternatives/worker-wiring.js';
import { designs } from './designs.js';
import { productionWiring } from './production-worker.js';
import { readMemory, resetPeak } from './worker-memory.js';
import {
  ToWorker,
  WorkerSpec,
  type FromWorker,
  type StoreAudit,
  type WorkerSample,
} from './worker-messages.js';

// Every request the worker's Kling client makes, by route template (the client's own, which tells a status
// query from a lookup by external id): the sweep's list reads run in this process too.
const klingRequests: Record<string, number> = {};

function sample(): WorkerSample {
  const { user, system } = process.cpuUsage();
  return {
    cpuMicros: user + system,
    ...readMemory(),
    heapUsedBytes: process.memoryUsage().heapUsed,
    klingRequests: { ...klingRequests },
  };
}

function send(message: FromWorker): void {
  process.send?.(message);
}

/** One bill line and a succeeded row per job is what the run must leave; read after every job closed. */
async function audit(store: JobStore, jobIds: readonly string[]): Promise<StoreAudit> {
  let billed = 0;
  let succeeded = 0;
  for (const jobId of jobIds) {
    if ((await store.getBillLine(jobId)) !== undefined) billed++;
    if ((await store.getJob(jobId))?.status === 'succeeded') succeeded++;
  }
  return { jobs: jobIds.length, billed, succeeded };
}

async function main(): Promise<void> {
  const spec = WorkerSpec.parse(JSON.parse(process.argv[2] ?? ''));
  // Warnings only: the SDK logs every worker state change at INFO.
  const logger = new DefaultLogger('WARN');
  Runtime.install({ logger });
  const store = await openStore(spec.store);
  const kling = createKlingClient({
    baseUrl: spec.simulator.url,
    auth: { accessKey: spec.simulator.accessKey, secretKey: spec.simulator.secretKey },
    timeoutMs: 30_000,
    onRequest: ({ route }) => {
      klingRequests[route] = (klingRequests[route] ?? 0) + 1;
    },
  });
  const basics = { spec, store, kling, rateCard: snapshotRateCard(defaultRateCard), logger };
  const wiring =
    designs[spec.design].side === 'production'
      ? await productionWiring(basics)
      : await alternativeWiring(basics);
  const connection = await NativeConnection.connect({ address: spec.address });
  const worker = await Worker.create({
    connection,
    namespace: spec.namespace,
    taskQueue: spec.taskQueue,
    workflowBundle: { codePath: spec.bundlePath },
    // A wiring with a tuner (production's) sizes these itself: the SDK takes a tuner or these options, not both.
    ...(spec.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: spec.maxCachedWorkflows }),
    ...(spec.maxConcurrentActivities === undefined || wiring.worker.tuner !== undefined
      ? {}
      : { maxConcurrentActivityTaskExecutions: spec.maxConcurrentActivities }),
    ...wiring.worker,
  });
  const running = worker.run();
  // The harness is gone (killed or crashed): nobody will read a sample or ask for a stop.
  const orphaned = (): never => process.exit(1);
  process.once('disconnect', orphaned);
  process.on('message', (raw) => {
    const message = ToWorker.parse(raw);
    if (message.type === 'baseline') resetPeak();
    if (message.type === 'sample' || message.type === 'baseline') send({ type: 'sample', sample: sample() });
    else if (message.type === 'audit') {
      audit(store, message.jobIds).then(
        (result) => send({ type: 'audit', audit: result }),
        (error: unknown) => send({ type: 'failed', message: `audit: ${String(error)}` }),
      );
    } else if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  send({ type: 'ready' });
  await running;
  const final = sample();
  await connection.close();
  await wiring.close();
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
