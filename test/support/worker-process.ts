// A real worker process for integration tests, configured through its environment only, as an operator runs it:
// `kling-video worker` (what `npm start` runs) or `node dist/worker.js` (here from source, `src/worker.ts`).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.js';

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it wrote on stderr so far (the logs). */
  output(): string;
  readonly exited: Promise<number | null>;
  /** SIGKILL to its whole process group: the worker and anything it started. */
  killTree(): Promise<void>;
}

const launcher = fileURLToPath(new URL('../../bin/kling-video.js', import.meta.url));
const workerMain = fileURLToPath(new URL('../../src/worker.ts', import.meta.url));

export function spawnWorker(entry: 'cli' | 'main', env: Readonly<Record<string, string>>): WorkerProcess {
  const args = entry === 'cli' ? [launcher, 'worker'] : ['--import', 'tsx', workerMain];
  const child = spawn(process.execPath, args, {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, so a kill reaches the whole tree.
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async killTree() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
  };
}

/** Spawns a worker and waits until it reports ready. */
export async function startWorkerProcess(
  entry: 'cli' | 'main',
  env: Readonly<Record<string, string>>,
): Promise<WorkerProcess> {
  const worker = spawnWorker(entry, env);
  let exitCode: number | null | undefined;
  void worker.exited.then((code) => (exitCode = code));
  await eventually(
    () => {
      if (exitCode !== undefined) throw new Error(`the worker exited (${exitCode}):\n${worker.output()}`);
      return worker.output().includes('worker ready') ? true : undefined;
    },
    'the worker to be ready',
    // Bundling the workflows takes seconds, minutes on a loaded machine.
    240_000,
    100,
  );
  return worker;
}
