// Helpers for integration tests: a client and a worker on the run's shared dev server, a task queue per file.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import { inject } from 'vitest';

// Workers log every state change at INFO; tests only need warnings. Runtime.install may run once per process.
Runtime.install({ logger: new DefaultLogger('WARN') });

export interface TemporalTestContext {
  readonly client: Client;
  readonly connection: Connection;
  readonly nativeConnection: NativeConnection;
  readonly namespace: string;
  readonly taskQueue: string;
  close(): Promise<void>;
}

export async function connectTemporal(fileTag: string): Promise<TemporalTestContext> {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace }),
    connection,
    nativeConnection,
    namespace,
    taskQueue: `${fileTag}-${randomUUID()}`,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

const bundles = new Map<string, ReturnType<typeof bundleWorkflowCode>>();

/** Bundles workflow code once per file path per test process (bundling takes about a second). */
export function workflowBundle(workflowsPath: string): ReturnType<typeof bundleWorkflowCode> {
  let bundle = bundles.get(workflowsPath);
  if (bundle === undefined) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  log: () => undefined,
};

/** Runs `fn` while a worker polls the context's task queue; the worker is shut down and drained afterwards. */
export async function withWorker<T>(
  ctx: TemporalTestContext,
  options: Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue'>,
  fn: (worker: Worker) => Promise<T>,
): Promise<T> {
  const worker = await Worker.create({
    connection: ctx.nativeConnection,
    namespace: ctx.namespace,
    taskQueue: ctx.taskQueue,
    ...options,
  });
  return worker.runUntil(() => fn(worker));
}
