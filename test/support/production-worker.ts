// The real worker process (`node --import tsx src/worker.ts`) in production mode against a test pipeline's Temporal
// server, PostgreSQL and Kling simulator: what an operator runs, with its own environment and nothing else.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { eventually } from './eventually.js';
import type { Pipeline } from './pipeline.js';

export interface WorkerProcess {
  /** Everything it wrote so far. */
  readonly output: { stdout: string; stderr: string };
  /** SIGTERM, then its exit code once it drained and closed everything. */
  stop(): Promise<number | null>;
  /** SIGKILL if still running (afterAll). */
  kill(): void;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the worker on the pipeline's task queue with the simulator's keys, plus `env`; resolves once it is ready. */
export async function startWorkerProcess(
  p: Pipeline,
  env: Readonly<Record<string, string>>,
): Promise<WorkerProcess> {
  const { accessKey, secretKey } = p.simulator.credentials;
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../../src/worker.ts', import.meta.url))],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        TEMPORAL_TASK_QUEUE: p.temporal.taskQueue,
        DATABASE_URL: p.databaseUrl ?? '',
        KLING_BASE_URL: p.simulator.url,
        KLING_ACCESS_KEY: accessKey,
        KLING_SECRET_KEY: secretKey,
        KLING_POLL_INTERVAL_SECONDS: '0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = { stdout: '', stderr: '' };
  worker.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
  worker.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
  await Promise.race([
    eventually(
      () => Promise.resolve(output.stderr.includes('"msg":"worker ready"') ? true : undefined),
      'the worker to be ready',
      90_000,
    ),
    exited.then((code) => {
      throw new Error(`the worker exited (${code}) before it was ready:\n${output.stdout}${output.stderr}`);
    }),
  ]);
  return {
    output,
    stop: () => {
      worker.kill('SIGTERM');
      return exited;
    },
    kill: () => {
      if (worker.exitCode === null) worker.kill('SIGKILL');
    },
  };
}
