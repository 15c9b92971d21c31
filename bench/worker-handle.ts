// The harness' side of the worker process: start it, sample its resource use, stop it.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  FromWorker,
  type StoreAudit,
  type ToWorker,
  type WorkerSample,
  type WorkerSpec,
} from './worker-messages.js';

export interface WorkerHandle {
  readonly pid: number;
  sample(): Promise<WorkerSample>;
  /** Collects the worker's start-up garbage and restarts its peak; the sample after that. */
  baseline(): Promise<WorkerSample>;
  /** What the store holds for these jobs (bill lines, succeeded rows); ask once every job has closed. */
  audit(jobIds: readonly string[]): Promise<StoreAudit>;
  /** Shuts the worker down and resolves with its last sample, taken after the worker stopped; idempotent. */
  stop(): Promise<WorkerSample>;
}

const entry = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export function startWorkerProcess(spec: WorkerSpec): Promise<WorkerHandle> {
  const child = fork(entry, [JSON.stringify(spec)], {
    // --expose-gc: the baseline collects start-up garbage before it measures.
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The child answers in order, so pending samples resolve first in, first out.
  const samples: ((sample: WorkerSample) => void)[] = [];
  let ready: (() => void) | undefined;
  let audited: ((audit: StoreAudit) => void) | undefined;
  let stopped: ((sample: WorkerSample) => void) | undefined;
  // Whatever is awaited when the child fails or dies is rejected with the reason.
  const waiting = new Set<(error: Error) => void>();
  const fail = (error: Error): void => {
    for (const reject of waiting) reject(error);
    waiting.clear();
  };
  const awaited = <T>(register: (resolve: (value: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.add(reject);
      register((value) => {
        waiting.delete(reject);
        resolve(value);
      });
    });
  const post = (message: ToWorker): void => {
    child.send(message);
  };

  child.on('message', (raw) => {
    const message = FromWorker.parse(raw);
    if (message.type === 'ready') ready?.();
    else if (message.type === 'sample') samples.shift()?.(message.sample);
    else if (message.type === 'audit') audited?.(message.audit);
    else if (message.type === 'stopped') stopped?.(message.sample);
    else fail(new Error(`worker process failed: ${message.message}`));
  });
  child.on('exit', (code) => fail(new Error(`worker process exited (code ${code})`)));

  let stopping: Promise<WorkerSample> | undefined;
  const handle: WorkerHandle = {
    pid: child.pid ?? -1,
    sample: () =>
      awaited<WorkerSample>((resolve) => {
        samples.push(resolve);
        post({ type: 'sample' });
      }),
    baseline: () =>
      awaited<WorkerSample>((resolve) => {
        samples.push(resolve);
        post({ type: 'baseline' });
      }),
    audit: (jobIds) =>
      awaited<StoreAudit>((resolve) => {
        audited = resolve;
        post({ type: 'audit', jobIds: [...jobIds] });
      }),
    stop: () =>
      (stopping ??= awaited<WorkerSample>((resolve) => {
        stopped = resolve;
        post({ type: 'stop' });
      })),
  };
  return awaited<void>((resolve) => (ready = resolve)).then(() => handle);
}
