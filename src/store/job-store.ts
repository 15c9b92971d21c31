import { BillLine } from '../domain/bill-line.js';
import { KlingBilling } from '../domain/kling-billing.js';
import { exportBillLines, type BillExportQuery, type ExportedBillLine } from './bill-export.js';
import { InvalidKlingBillingError, JobNotFoundError, SubmissionConflictError } from './errors.js';
import type { Job, JobFinish, NewJob, Submission } from './job.js';
import {
  BILL_LINE_COLUMNS,
  INSERT_BILL_LINE,
  JOB_COLUMNS,
  billLineFromRow,
  billLineParams,
  jobFromRow,
} from './rows.js';
import type { Row, Sql } from './sql.js';

/**
 * Job and bill-line persistence. Every write is keyed by the job id and safe to repeat, because every Temporal
 * activity may run more than once: a repeated write returns the row that is already there.
 */
export interface JobStore {
  /** The first insert wins: the quote stored at acceptance is the price charged, whatever a retry carries. */
  insertJob(job: NewJob): Promise<{ job: Job; inserted: boolean }>;
  getJob(jobId: string): Promise<Job | undefined>;
  /** The succeeded job one of whose output videos has this id (what a video extension continues). */
  findJobByOutputVideo(videoId: string): Promise<Job | undefined>;
  /** Records the Kling task once; the same task again is a no-op, a different one a SubmissionConflictError. */
  recordSubmission(jobId: string, submission: Submission): Promise<Job>;
  /** The last status Kling reported; ignored once the job is finished. */
  recordKlingStatus(jobId: string, status: string): Promise<Job>;
  /** A finished job stays finished: a second finish returns the row as the first one left it. */
  finishJob(jobId: string, finish: JobFinish): Promise<Job>;
  /** At most one line per job: a retry returns the stored line unchanged. */
  insertBillLine(line: BillLine): Promise<{ line: BillLine; inserted: boolean }>;
  getBillLine(jobId: string): Promise<BillLine | undefined>;
  /** Most recently accepted first. */
  listJobs(options: { limit: number }): Promise<Job[]>;
  /**
   * What Kling reported it charged for the job's task (new API `billing[]`), bounded and checked before the write
   * (InvalidKlingBillingError otherwise); a later report replaces an earlier one. It never changes our bill line.
   */
  recordKlingBilling(jobId: string, billing: unknown): Promise<void>;
  /** The bill lines of a period, oldest first, each with Kling's report when there is one; memory stays bounded. */
  exportBillLines(query: BillExportQuery): AsyncIterable<ExportedBillLine>;
  close(): Promise<void>;
}

const OPEN = `status IN ('accepted', 'submitted')`;

export function createJobStore(sql: Sql): JobStore {
  const readJob = async (jobId: string): Promise<Job | undefined> => {
    const [row] = await sql.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE job_id = $1`, [jobId]);
    return row ? jobFromRow(row) : undefined;
  };

  /** The updated row, or — when the guard left it untouched — the row as it is. */
  const updated = async (jobId: string, rows: Row[]): Promise<Job> => {
    const [row] = rows;
    if (row) return jobFromRow(row);
    const job = await readJob(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    return job;
  };

  return {
    async insertJob({ jobId, model, envelope, rateCard, quote }) {
      // ON CONFLICT waits for a concurrent insert of the same id to commit, so the read below always finds it.
      const [row] = await sql.query(
        `INSERT INTO jobs (job_id, model, status, envelope, rate_card, rate_card_sha256, quote)
         VALUES ($1, $2, 'accepted', $3::jsonb, $4::jsonb, $5, $6::jsonb)
         ON CONFLICT (job_id) DO NOTHING
         RETURNING ${JOB_COLUMNS}`,
        [
          jobId,
          model,
          JSON.stringify(envelope),
          JSON.stringify(rateCard),
          quote.rateCard.sha256,
          JSON.stringify(quote),
        ],
      );
      if (row) return { job: jobFromRow(row), inserted: true };
      const job = await readJob(jobId);
      if (!job) throw new JobNotFoundError(jobId);
      return { job, inserted: false };
    },

    getJob: readJob,

    async findJobByOutputVideo(videoId) {
      // Containment on the outputs array; only extensions ask, so no index is kept for it.
      const [row] = await sql.query(
        `SELECT ${JOB_COLUMNS} FROM jobs
         WHERE status = 'succeeded' AND outputs @> $1::jsonb
         ORDER BY seq LIMIT 1`,
        [JSON.stringify([{ id: videoId }])],
      );
      return row ? jobFromRow(row) : undefined;
    },

    async recordSubmission(jobId, { klingTaskId, family, api }) {
      const rows = await sql.query(
        `UPDATE jobs
         SET kling_task_id = $2, kling_family = $3, kling_api = $4, updated_at = now(),
             status = CASE WHEN status = 'accepted' THEN 'submitted' ELSE status END
         WHERE job_id = $1 AND kling_task_id IS NULL
         RETURNING ${JOB_COLUMNS}`,
        [jobId, klingTaskId, family, api ?? 'legacy'],
      );
      const job = await updated(jobId, rows);
      if (job.klingTaskId !== klingTaskId) {
        throw new SubmissionConflictError(jobId, job.klingTaskId ?? '', klingTaskId);
      }
      return job;
    },

    async recordKlingStatus(jobId, status) {
      const rows = await sql.query(
        `UPDATE jobs SET kling_status = $2, updated_at = now()
         WHERE job_id = $1 AND ${OPEN}
         RETURNING ${JOB_COLUMNS}`,
        [jobId, status],
      );
      return updated(jobId, rows);
    },

    async finishJob(jobId, finish) {
      const rows =
        finish.outcome === 'succeeded'
          ? await sql.query(
              `UPDATE jobs SET status = 'succeeded', outputs = $2::jsonb, updated_at = now()
               WHERE job_id = $1 AND ${OPEN}
               RETURNING ${JOB_COLUMNS}`,
              [jobId, JSON.stringify(finish.outputs)],
            )
          : await sql.query(
              `UPDATE jobs SET status = $2, failure_type = $3, failure_reason = $4, updated_at = now()
               WHERE job_id = $1 AND ${OPEN}
               RETURNING ${JOB_COLUMNS}`,
              [jobId, finish.outcome, finish.failureType, finish.reason],
            );
      return updated(jobId, rows);
    },

    async insertBillLine(line) {
      // Parsed before the write: a malformed money field must never reach the table.
      const [row] = await sql.query(INSERT_BILL_LINE, billLineParams(BillLine.parse(line)));
      if (row) return { line: billLineFromRow(row), inserted: true };
      const stored = await readBillLine(sql, line.jobId);
      if (!stored) throw new JobNotFoundError(line.jobId);
      return { line: stored, inserted: false };
    },

    getBillLine: (jobId) => readBillLine(sql, jobId),

    async listJobs({ limit }) {
      const rows = await sql.query(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY seq DESC LIMIT $1`, [limit]);
      return rows.map(jobFromRow);
    },

    async recordKlingBilling(jobId, billing) {
      const checked = KlingBilling.safeParse(billing);
      if (!checked.success) {
        const problems = checked.error.issues.map(
          (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
        );
        throw new InvalidKlingBillingError(jobId, problems.join('; '));
      }
      const rows = await sql.query(
        `UPDATE jobs SET kling_billing = $2::jsonb, updated_at = now() WHERE job_id = $1 RETURNING job_id`,
        [jobId, JSON.stringify(checked.data)],
      );
      if (rows.length === 0) throw new JobNotFoundError(jobId);
    },

    exportBillLines: (query) => exportBillLines(sql, query),

    close: () => sql.close(),
  };
}

async function readBillLine(sql: Sql, jobId: string): Promise<BillLine | undefined> {
  const [row] = await sql.query(`SELECT ${BILL_LINE_COLUMNS} FROM bill_lines WHERE job_id = $1`, [jobId]);
  return row ? billLineFromRow(row) : undefined;
}
