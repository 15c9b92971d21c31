import { parseArgs } from 'node:util';
import { JobAlreadyFinishedError, JobFailedError } from '../client.js';
import { InvalidRequestError } from '../domain/envelope.js';
import { jobIdProblem } from '../domain/input-limits.js';
import { loadCliConfig } from './cli-config.js';
import { EXIT_JOB_FAILED, EXIT_OK, UsageError, type Command } from './command.js';
import { endedBadly, formatJobReport, readJob } from './job-report.js';
import {
  connectJobs,
  LOCAL_TEMPORAL_ADDRESS,
  temporalFailure,
  type JobsConnection,
} from './local-temporal.js';
import { readCheckedPayload } from './payload.js';
import { createProgressLine, formatElapsed } from './progress-line.js';

const help = `Usage: kling-video generate <payload.json | -> [--job-id <id>] [--wait]

Starts a video generation job from a portal payload ("-" reads it from stdin). The payload is validated here
first, exactly as the worker will: an invalid one is reported field by field and nothing is started.

Options:
  --job-id <id>  the job's id (default: job-<uuid>): 1–128 ASCII letters, digits, ".", "_", ":" and "-",
                 starting with a letter or digit. A job id runs once: starting a running job's id again
                 follows that job; the id of a job that ended is refused.
  --wait         follow the job with a live progress line (phase, Kling status, elapsed time) on stderr until
                 it ends, then print the result and the bill

Temporal: TEMPORAL_ADDRESS (default ${LOCAL_TEMPORAL_ADDRESS}, the dev server \`npm start\` runs), TEMPORAL_NAMESPACE,
TEMPORAL_TASK_QUEUE (default kling-video); a worker must poll that task queue for the job to make progress.

Exit codes: 0 started (with --wait: succeeded); 1 the job failed (--wait); 2 invalid payload, arguments or
configuration, a job id that already ran, or no Temporal server (nothing was started); 130 Ctrl+C while
following (the job keeps running).`;

const POLL_MS = 500;
/** Ctrl+C while following: the conventional 128 + SIGINT; the job itself keeps running. */
const EXIT_INTERRUPTED = 130;

export const generateCommand: Command = {
  help,
  async run(argv) {
    const { source, jobId, wait } = parseGenerateArgs(argv);
    const config = loadCliConfig();
    // Checked as the worker will, with the same models on Kling's new API (KLING_NEW_API_MODELS).
    const { payload, envelope } = await readCheckedPayload(source, {
      newApiModels: new Set(config.kling.newApiModels),
    });
    const connection = await connectJobs(config.temporal);
    try {
      const started = await connection.jobs
        .startJob(payload, jobId === undefined ? {} : { jobId })
        .catch((error: unknown) => {
          if (error instanceof JobAlreadyFinishedError)
            throw new UsageError(
              `job ${error.jobId} already ran and a job id runs once: see \`kling-video status ${error.jobId}\`, or use a new --job-id`,
            );
          if (error instanceof InvalidRequestError) throw new UsageError(`${source}: ${error.message}`);
          throw temporalFailure(connection.address, error);
        });
      const what = `${envelope.model}, ${envelope.inputType} input`;
      process.stdout.write(
        started.started
          ? `Started job ${started.jobId} (${what}) on task queue ${connection.taskQueue}.\n`
          : `Job ${started.jobId} is already running; following it.\n`,
      );
      if (!wait) {
        process.stdout.write(`Follow it with: kling-video status ${started.jobId}\n`);
        return EXIT_OK;
      }
      return await follow(connection, started.jobId).catch((error: unknown) => {
        const hint = `; job ${started.jobId} is kept: \`kling-video status ${started.jobId}\` once the server is back`;
        throw temporalFailure(connection.address, error, hint);
      });
    } finally {
      await connection.close();
    }
  },
};

async function follow(connection: JobsConnection, jobId: string): Promise<number> {
  const line = createProgressLine(process.stderr);
  const startedAt = Date.now();
  let interrupt = (): void => {};
  const interrupted = new Promise<'interrupted'>((resolve) => {
    interrupt = () => resolve('interrupted');
  });
  process.once('SIGINT', interrupt);
  const ended = connection.jobs.waitForJob(jobId).then(
    () => 'ended' as const,
    (error: unknown) => {
      if (error instanceof JobFailedError) return 'ended' as const;
      throw error;
    },
  );
  // Marks a rejection as handled when Ctrl+C stops the loop before it is awaited again.
  ended.catch(() => undefined);
  try {
    for (;;) {
      const view = await connection.bounded(() => connection.jobs.getJob(jobId));
      const phase = view.status?.phase ?? 'waiting for a worker';
      const kling = view.klingStatus === undefined ? '' : ` · Kling ${view.klingStatus}`;
      line.update(`${jobId}: ${phase}${kling}`, formatElapsed(Date.now() - startedAt));
      const tick = new Promise<'tick'>((resolve) => setTimeout(resolve, POLL_MS, 'tick'));
      const next = await Promise.race([ended, interrupted, tick]);
      if (next === 'ended') break;
      if (next === 'interrupted') {
        line.end();
        process.stderr.write(`Stopped following; job ${jobId} keeps running: kling-video status ${jobId}\n`);
        return EXIT_INTERRUPTED;
      }
    }
  } finally {
    line.end();
    process.off('SIGINT', interrupt);
  }
  const report = await readJob(connection, jobId);
  process.stdout.write(`${formatJobReport(report)}\n`);
  return endedBadly(report) ? EXIT_JOB_FAILED : EXIT_OK;
}

function parseGenerateArgs(argv: readonly string[]): {
  source: string;
  jobId: string | undefined;
  wait: boolean;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { 'job-id': { type: 'string' }, wait: { type: 'boolean' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [source, ...extra] = parsed.positionals;
  if (source === undefined || extra.length > 0) {
    throw new UsageError('expected exactly one payload: a JSON file, or - for stdin');
  }
  const jobId = parsed.values['job-id'];
  const jobIdIssue = jobId === undefined ? undefined : jobIdProblem(jobId);
  if (jobIdIssue !== undefined) throw new UsageError(`--job-id: ${jobIdIssue}`);
  return { source, jobId, wait: parsed.values.wait === true };
}
