import { parseArgs } from 'node:util';
import { JobNotFoundError } from '../client.js';
import { loadCliConfig } from './cli-config.js';
import { EXIT_JOB_FAILED, EXIT_OK, UsageError, type Command } from './command.js';
import { endedBadly, formatJobReport, readJob } from './job-report.js';
import { connectJobs, LOCAL_TEMPORAL_ADDRESS, temporalFailure } from './local-temporal.js';

const help = `Usage: kling-video status <jobId> [--json]

Shows one job: its phase, the Kling task and its status, the output videos, the quote while it runs and the
bill (with its formula) once it succeeded, or why it failed.

Options:
  --json  print one JSON object for scripts: jobId, run, phase, model, inputType, klingTaskId, klingStatus,
          videos, quote, bill, klingBilling (what Kling's new API reported it charged, beside our bill;
          never our price), failure, startedAt, closedAt (absent values are null)

Temporal: TEMPORAL_ADDRESS (default ${LOCAL_TEMPORAL_ADDRESS}, the dev server \`npm start\` runs), TEMPORAL_NAMESPACE.

Exit codes: 0 the job is running or succeeded; 1 it ended without a video (failed, rejected, timed out,
cancelled); 2 unknown job id, bad arguments or configuration, or no Temporal server.`;

export const statusCommand: Command = {
  help,
  async run(argv) {
    const { jobId, json } = parseStatusArgs(argv);
    const config = loadCliConfig();
    const connection = await connectJobs(config.temporal);
    try {
      const report = await readJob(connection, jobId).catch((error: unknown) => {
        if (error instanceof JobNotFoundError)
          throw new UsageError(
            `no job ${jobId} on ${connection.address} (namespace ${config.temporal.namespace})`,
          );
        throw temporalFailure(connection.address, error);
      });
      process.stdout.write(`${json ? JSON.stringify(report, null, 2) : formatJobReport(report)}\n`);
      return endedBadly(report) ? EXIT_JOB_FAILED : EXIT_OK;
    } finally {
      await connection.close();
    }
  },
};

function parseStatusArgs(argv: readonly string[]): { jobId: string; json: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { json: { type: 'boolean' } } });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [jobId, ...extra] = parsed.positionals;
  if (jobId === undefined || jobId.trim() === '' || extra.length > 0)
    throw new UsageError('expected exactly one job id');
  return { jobId, json: parsed.values.json === true };
}
