// One job as `status` and `generate --wait` show it: the workflow's own account (its status query), completed
// from the run's history when no worker is there to answer.
import { JobFailedError, type RunStatus } from '../client.js';
import type { BillLine, Quote } from '../domain/bill-line.js';
import { chargeUnit, type KlingBilling } from '../domain/kling-billing.js';
import type { InputType } from '../domain/terms.js';
import type { JobPhase, KlingStatus, OutputVideo } from '../definitions/job.js';
import type { JobsConnection } from './local-temporal.js';
import { formatElapsed } from './progress-line.js';

/** What `kling-video status --json` prints. Absent values are `null`, so every key is always there. */
export interface JobReport {
  readonly jobId: string;
  /** Temporal's state of the run behind the job. */
  readonly run: RunStatus;
  /** The workflow's phase; `null` while the job runs and no worker answers. */
  readonly phase: JobPhase | null;
  readonly model: string | null;
  readonly inputType: InputType | null;
  readonly klingTaskId: string | null;
  readonly klingStatus: KlingStatus | null;
  readonly videos: readonly OutputVideo[];
  /** The price quoted at acceptance; charged only if the job succeeds. */
  readonly quote: Quote | null;
  readonly bill: BillLine | null;
  /** What Kling reported it charged for the task (its new API only): beside our bill, never our price. */
  readonly klingBilling: KlingBilling | null;
  readonly failure: { readonly type: string; readonly message: string } | null;
  readonly startedAt: string;
  readonly closedAt: string | null;
}

/** The job ended without a video: failed, rejected, timed out, cancelled or terminated. */
export function endedBadly(report: JobReport): boolean {
  return report.run !== 'RUNNING' && report.run !== 'COMPLETED';
}

export async function readJob(connection: JobsConnection, jobId: string): Promise<JobReport> {
  const view = await connection.bounded(() => connection.jobs.getJob(jobId));
  const status = view.status;
  const report: JobReport = {
    jobId,
    run: view.run,
    phase: status?.phase ?? null,
    model: status?.model ?? null,
    inputType: status?.inputType ?? null,
    klingTaskId: status?.klingTaskId ?? null,
    klingStatus: view.klingStatus ?? null,
    videos: status?.videos ?? [],
    quote: status?.quote ?? null,
    bill: status?.bill ?? null,
    klingBilling: status?.klingBilling ?? null,
    failure: status?.failure ?? null,
    startedAt: view.startedAt.toISOString(),
    closedAt: view.closedAt?.toISOString() ?? null,
  };
  if (status !== undefined || view.run === 'RUNNING') return report;
  // No worker answered, but an ended run keeps its result or failure in its history.
  try {
    const result = await connection.bounded(() => connection.jobs.waitForJob(jobId));
    return {
      ...report,
      phase: 'succeeded',
      model: result.bill.model,
      inputType: result.bill.inputType,
      klingTaskId: result.klingTaskId,
      klingStatus: result.status,
      videos: result.videos,
      bill: result.bill,
      klingBilling: result.klingBilling ?? null,
    };
  } catch (error) {
    if (!(error instanceof JobFailedError)) throw error;
    return { ...report, failure: { type: error.type, message: error.message } };
  }
}

/** The human view: one labelled line per fact. */
export function formatJobReport(report: JobReport, now: Date = new Date()): string {
  const started = new Date(report.startedAt);
  const took = (report.closedAt === null ? now : new Date(report.closedAt)).getTime() - started.getTime();
  const lines: [string, string][] = [
    ['Job', report.jobId],
    ['Phase', report.phase ?? 'unknown: no worker answered (is `npm start` running on this task queue?)'],
    [
      'Temporal run',
      `${report.run}, started ${report.startedAt}, ${report.closedAt === null ? 'running for' : 'took'} ${formatElapsed(took)}`,
    ],
  ];
  if (report.model !== null)
    lines.push([
      'Model',
      report.inputType === null ? report.model : `${report.model} (${report.inputType} input)`,
    ]);
  if (report.klingTaskId !== null)
    lines.push([
      'Kling task',
      `${report.klingTaskId}${report.klingStatus === null ? '' : ` (${report.klingStatus})`}`,
    ]);
  for (const video of report.videos) lines.push(['Video', `${video.url} (${video.duration} s)`]);
  if (report.bill !== null) {
    lines.push(['Bill', explainCharge(report.bill)]);
    lines.push([
      'Rate card',
      `${report.bill.rateCard.version} sha256:${report.bill.rateCard.sha256.slice(0, 12)}`,
    ]);
    if (report.klingBilling !== null && report.klingBilling.length > 0) {
      lines.push(['Kling charged', `${report.klingBilling.map(describeCharge).join('; ')} (Kling's report)`]);
    }
  } else if (report.quote !== null && report.failure === null) {
    lines.push(['Quote', `${explainCharge(report.quote)}; billed only if the video is made`]);
  }
  if (report.failure !== null) lines.push(['Failure', `${report.failure.type}: ${report.failure.message}`]);
  const width = Math.max(...lines.map(([label]) => label.length)) + 2;
  return lines.map(([label, value]) => `${label.padEnd(width)}${value}`).join('\n');
}

/** The price with its formula (billing.md §1), so every charge can be checked by hand. */
function explainCharge(charge: Quote): string {
  const { factors } = charge;
  const clamp = charge.clamped === null ? '' : `, clamped to the ${charge.clamped}imum`;
  return (
    `${charge.costUsd} ${charge.currency} = ${charge.billedSeconds} s × ${factors.basePricePerSecond}/s (${charge.mode})` +
    ` × ${factors.resolution} (${charge.billedResolution}) × ${factors.input} (${charge.inputType})` +
    ` × ${factors.model} (model) = ${charge.rawCostUsd}, rounded half-up${clamp}`
  );
}

/** One charge of Kling's report: `unit 5 video (list price 5)`, `cash 0.35 USD`. */
function describeCharge(charge: KlingBilling[number]): string {
  const list = charge.list_price === undefined ? '' : ` (list price ${charge.list_price})`;
  return `${charge.charge_type} ${charge.amount} ${chargeUnit(charge)}${list}`;
}
