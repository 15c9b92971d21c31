// `kling-video demo`: the whole system in one process tree (Temporal dev server, Kling simulator, PGlite in a
// temporary folder, one worker), every example submitted at once, then the table of bills. Everything it
// starts is stopped and deleted before it returns, on success, failure or Ctrl+C alike.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { createJobsClient, JobFailedError, type JobsClient } from '../client.js';
import type { Config } from '../config.js';
import { startSimulator } from '../kling/simulator/simulator.js';
import { createLogger } from '../log.js';
import { obtainTemporalServer, TemporalUnavailableError } from '../temporal/dev-server.js';
import { startJobWorker } from '../worker.js';
import { loadCliConfig } from './cli-config.js';
import { EXIT_JOB_FAILED, EXIT_OK, UsageError, type Command } from './command.js';
import { extending, loadDemoPlan, type DemoExample } from './demo-examples.js';
import { formatDemoTable, type DemoOutcome } from './demo-table.js';
import { createProgressLine, formatElapsed } from './progress-line.js';

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
/** Simulated Kling time runs 10x faster: a task takes about 3 s instead of about 30 s. */
const TIME_SCALE = 0.1;
/** The server retries a poll no sooner than ~1 s anyway (temporal-notes.md). */
const POLL_INTERVAL_MS = 1_000;
const PROGRESS_MS = 500;
const TASK_QUEUE = 'kling-video-demo';
/** 128 + SIGINT: interrupted, everything stopped. */
const EXIT_INTERRUPTED = 130;

const help = `Usage: kling-video demo

Runs the whole system in this one process tree and submits every payload in examples/ concurrently:
  Temporal  its own dev server on free ports, web UI address printed at start (TEMPORAL_ADDRESS is ignored)
  Kling     the bundled simulator, ${1 / TIME_SCALE}x faster than real time: no real video, nobody charged
            (Kling credentials are ignored)
  database  PGlite in a temporary folder, deleted at the end (DATABASE_URL is ignored)
  worker    one, its task sweep reading Kling every ${POLL_INTERVAL_MS / 1000} s
A video extension waits for a video of the same model and extends it. Shows progress while the jobs run, then
a table (job, model, input type, Kling task, status, video URL, cost) and the total. Leaves nothing running.

Exit codes: 0 every job succeeded and was billed; 1 a job ended otherwise; 2 bad configuration or no Temporal
CLI; 130 interrupted (Ctrl+C).`;

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

export const demoCommand: Command = {
  help,
  async run(argv) {
    try {
      parseArgs({ args: [...argv], options: {}, allowPositionals: false });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const config = loadCliConfig();
    const plan = await loadDemoPlan(examplesDir);
    // Quiet worker: the demo prints its own progress; warnings and errors still show.
    const logger = createLogger({ format: 'text', level: 'WARN', secrets: config.secrets });
    Runtime.install({ logger, shutdownSignals: [] });

    const interruption = new AbortController();
    const interrupt = (): void => interruption.abort();
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    const closers: (() => Promise<unknown>)[] = [];
    /** Registers what was just opened for closing, then stops if Ctrl+C came meanwhile. */
    const opened = (close: () => Promise<unknown>): void => {
      closers.push(close);
      if (interruption.signal.aborted) throw new Interrupted();
    };
    try {
      const started = Date.now();
      const simulator = await startSimulator({ timeScale: TIME_SCALE });
      opened(() => simulator.close());
      const dataDir = await mkdtemp(join(tmpdir(), 'kling-video-demo-'));
      opened(() => rm(dataDir, { recursive: true, force: true }));
      const temporal = await obtainTemporalServer(
        { ...config.temporal, address: undefined },
        { uiPort: await freePort(), log: (line) => process.stderr.write(`${line}\n`) },
      ).catch((error: unknown) => {
        if (error instanceof TemporalUnavailableError) throw new UsageError(error.message);
        throw error;
      });
      opened(() => temporal.stop());
      process.stdout.write(
        [
          'Kling video demo: everything below runs in this process tree and stops when the demo ends.',
          `  Temporal  dev server ${temporal.address}, web UI ${temporal.uiUrl ?? 'off'} (watch the workflows there)`,
          `  Kling     simulator ${simulator.url}, ${1 / TIME_SCALE}x faster than real time: no real video, nobody charged`,
          `  database  PGlite in ${dataDir}`,
          '',
        ].join('\n'),
      );
      const { accessKey, secretKey, apiKey } = simulator.credentials;
      const workerConfig: Config = {
        ...config,
        temporal: { ...config.temporal, address: temporal.address, taskQueue: TASK_QUEUE },
        store: { databaseUrl: undefined, dataDir },
        kling: {
          kind: 'api',
          baseUrl: simulator.url,
          // The key pair signs the legacy API's requests; the API key is for the new API's.
          credentials: { accessKey, secretKey, apiKey },
          timeoutMs: 10_000,
          newApiModels: config.kling.newApiModels,
        },
        wait: { ...config.wait, pollIntervalMs: POLL_INTERVAL_MS, budgetMs: 5 * 60_000 },
      };
      const worker = await startJobWorker(workerConfig, logger);
      const running = worker.run();
      opened(async () => {
        worker.shutdown();
        await running;
      });
      // No gRPC-level retries: Ctrl+C stops the dev server with the demo, and a retry timer (which the SDK cannot
      // cancel) firing after the connection is closed would crash the cleanup.
      const connection = await Connection.connect({ address: temporal.address, interceptors: [] });
      opened(() => connection.close());
      const jobs = createJobsClient(new Client({ connection, namespace: temporal.namespace }), TASK_QUEUE);
      process.stdout.write(
        `Worker ready in ${formatElapsed(Date.now() - started)}; submitting the examples.\n`,
      );

      const outcomes = await runAll(jobs, plan, interruption.signal);
      process.stdout.write(`\n${formatDemoTable(outcomes)}\n\n`);
      const unexpected = outcomes.filter((outcome) => outcome.bill === undefined);
      process.stdout.write(
        unexpected.length === 0
          ? `All ${outcomes.length} jobs succeeded and were billed, in ${formatElapsed(Date.now() - started)}.\n`
          : `${unexpected.length} of ${outcomes.length} jobs did not succeed: ${unexpected.map((o) => o.example.name).join(', ')}.\n`,
      );
      return unexpected.length === 0 ? EXIT_OK : EXIT_JOB_FAILED;
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      process.stderr.write('\nInterrupted: stopping everything the demo started.\n');
      return EXIT_INTERRUPTED;
    } finally {
      for (const close of closers.reverse()) {
        await close().catch((error: unknown) => {
          process.stderr.write(`demo cleanup: ${(error as Error).message}\n`);
        });
      }
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    }
  },
};

type Plan = Awaited<ReturnType<typeof loadDemoPlan>>;

/** Runs the plan, with a progress line of how many jobs are in which phase, until every job has ended. */
async function runAll(jobs: JobsClient, plan: Plan, signal: AbortSignal): Promise<DemoOutcome[]> {
  const phases = new Map<string, string>();
  const run = async (example: DemoExample, payload: unknown): Promise<DemoOutcome> => {
    phases.set(example.name, 'starting');
    await jobs.startJob(payload, { jobId: example.name });
    try {
      const result = await jobs.waitForJob(example.name);
      phases.set(example.name, 'succeeded');
      const video = result.videos[0];
      return { example, klingTaskId: result.klingTaskId, status: 'succeeded', video, bill: result.bill };
    } catch (error) {
      if (!(error instanceof JobFailedError)) throw error;
      const { status } = await jobs.getJob(example.name);
      const phase = status?.phase ?? 'failed';
      phases.set(example.name, phase);
      return {
        example,
        klingTaskId: status?.klingTaskId,
        status: `${phase} (${error.type})`,
        video: undefined,
        bill: undefined,
      };
    }
  };
  const first = new Map(plan.first.map((example) => [example.name, run(example, example.payload)]));
  const extensions = plan.extensions.map(async ({ example, source }): Promise<DemoOutcome> => {
    phases.set(example.name, 'waiting for a video');
    const video = source === undefined ? undefined : (await first.get(source.name))?.video;
    if (video === undefined) {
      phases.set(example.name, 'skipped');
      return {
        example,
        klingTaskId: undefined,
        status: 'skipped: no video to extend',
        video,
        bill: undefined,
      };
    }
    return run(example, extending(example, video.id));
  });
  const all = Promise.all([...first.values(), ...extensions]);
  // Keeps a failure of `all` handled while the loop below waits on the next tick.
  all.catch(() => undefined);
  const stopped = new Promise<'stopped'>((resolve) => {
    signal.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  const line = createProgressLine(process.stdout);
  const started = Date.now();
  try {
    for (;;) {
      await refresh(jobs, phases);
      line.update(summarize(phases), formatElapsed(Date.now() - started));
      const tick = new Promise<'tick'>((resolve) => setTimeout(resolve, PROGRESS_MS, 'tick'));
      const next = await Promise.race([all.then(() => 'done' as const), tick, stopped]);
      if (next === 'stopped') throw new Interrupted();
      if (next === 'done') break;
    }
    line.update(summarize(phases), formatElapsed(Date.now() - started));
  } finally {
    line.end();
  }
  return all;
}

/** Phases the workflow has nothing newer to say about: its final ones, and not started yet. */
const unasked = new Set([
  'waiting for a video',
  'skipped',
  'succeeded',
  'failed',
  'rejected',
  'timed_out',
  'cancelled',
]);

async function refresh(jobs: JobsClient, phases: Map<string, string>): Promise<void> {
  const asked = [...phases.entries()].filter(([, phase]) => !unasked.has(phase));
  await Promise.all(
    asked.map(async ([jobId]) => {
      const phase = (await jobs.getJob(jobId).catch(() => undefined))?.status?.phase;
      // `run` records the final phase itself; a read that raced with it must not undo that.
      if (phase !== undefined && !unasked.has(phases.get(jobId) ?? '')) phases.set(jobId, phase);
    }),
  );
}

const order = [
  'waiting for a video',
  'starting',
  'accepting',
  'queued',
  'submitting',
  'waiting',
  'billing',
  'succeeded',
];

function summarize(phases: ReadonlyMap<string, string>): string {
  const counts = new Map<string, number>();
  for (const phase of phases.values()) counts.set(phase, (counts.get(phase) ?? 0) + 1);
  const rank = (phase: string): number => (order.includes(phase) ? order.indexOf(phase) : order.length);
  const parts = [...counts]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([phase, count]) => `${count} ${phase}`);
  return `${phases.size} jobs: ${parts.join(', ')}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
