import { BillLine } from '../domain/bill-line.js';
import { KlingBilling } from '../domain/kling-billing.js';
import { exportBillLines, type BillExportQuery, type ExportedBillLine } from './bill-export.js';
import {
  InvalidKlingBillingError,
  JobNotBillableError,
  JobNotFoundError,
  SubmissionConflictError,
} from './errors.js';
import { TaskEnding } from '../domain/task-ending.js';
import type {
  Job,
  JobFinish,
  JobVideo,
  KlingStatusSeen,
  NewJob,
  Submission,
  TaskEndingSeen,
  WaitingTask,
} from './job.js';
import {
  BILL_LINE_COLUMNS,
  BILL_LINE_PARAM_COUNT,
  BILL_LINE_PARAMS,
  INSERT_BILL_LINE,
  INSERT_INTO_BILL_LINES,
  JOB_COLUMNS,
  billLineFromRow,
  billLineParams,
  jobFromRow,
  waitingTaskFromRow,
} from './rows.js';
import type { Row, Sql, SqlQuery } from './sql.js';

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
  /**
   * The job as a submit finds it, marked as having a create sent from now on; `createSentBefore` says whether an
   * earlier submit marked it (and so may have made a task nobody recorded). `undefined`: no such job.
   */
  startCreate(jobId: string): Promise<{ job: Job; createSentBefore: boolean } | undefined>;
  /** Takes the mark back: the create was refused and no earlier one may have landed, so none exists. */
  forgetCreate(jobId: string): Promise<void>;
  /** Records the Kling task once; the same task again is a no-op, a different one a SubmissionConflictError. */
  recordSubmission(jobId: string, submission: Submission): Promise<Job>;
  /** The last status Kling reported; ignored once the job is finished. */
  recordKlingStatus(jobId: string, status: string): Promise<Job>;
  /** A finished job stays finished: a second finish returns the row as the first one left it. */
  finishJob(jobId: string, finish: JobFinish): Promise<Job>;
  /** At most one line per job: a retry returns the stored line unchanged. */
  insertBillLine(line: BillLine): Promise<{ line: BillLine; inserted: boolean }>;
  /**
   * A succeeded job's bill line and finished row, in one transaction: never a line without a finished job. A retry
   * returns the stored line. Refused (JobNotBillableError) for a job that ended otherwise or never submitted.
   */
  billSucceededJob(line: BillLine, outputs: JobVideo[]): Promise<BillLine>;
  /**
   * The account's submitted jobs whose task Kling has not yet been seen ending, newest task first; only those in
   * `jobIds` when given. Jobs submitted before the sweep existed (no task queue recorded) are not among them.
   */
  waitingTasks(
    taskQueue: string,
    options: { jobIds?: readonly string[]; limit: number },
  ): Promise<WaitingTask[]>;
  /**
   * Records what Kling reported for several open jobs in one statement; finished jobs are left alone. Returns the
   * jobs whose recorded status changed.
   */
  recordKlingStatuses(seen: readonly KlingStatusSeen[]): Promise<KlingStatusSeen[]>;
  /**
   * How several open jobs' tasks ended, as the task sweep read them from Kling, in one statement, each checked
   * against its bounds first; Kling's charge in it, when there is one, is recorded as the job's `klingBilling`. A
   * row whose task is another, or a finished job, is left alone.
   */
  recordTaskEndings(endings: readonly TaskEndingSeen[]): Promise<void>;
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

/**
 * A succeeded job's bill line and finished row as one statement — one implicit transaction, one round trip where
 * BEGIN, lock, insert, update and COMMIT were five. The row is locked first, so a concurrent finish (a cancel, say)
 * waits and then sees the job billed and succeeded; the line is written only for a job that is open or already
 * succeeded and holds this task; the row is finished only if still open. Answers the job's status, whether it was
 * billable, and the line when this statement wrote it; no row when there is no such job.
 */
const BILL_SUCCEEDED_JOB = `WITH job AS (
    SELECT status, kling_task_id FROM jobs WHERE job_id = $1 FOR UPDATE
  ), billable AS (
    SELECT 1 FROM job WHERE status IN ('accepted', 'submitted', 'succeeded') AND kling_task_id = $2
  ), line AS (
    ${INSERT_INTO_BILL_LINES} SELECT ${BILL_LINE_PARAMS} FROM billable
    ON CONFLICT (job_id) DO NOTHING
    RETURNING ${BILL_LINE_COLUMNS}
  ), finished AS (
    UPDATE jobs SET status = 'succeeded', kling_status = 'succeed', outputs = $${BILL_LINE_PARAM_COUNT + 1}::jsonb,
                    updated_at = now()
    WHERE job_id = $1 AND ${OPEN} AND EXISTS (SELECT 1 FROM billable)
    RETURNING job_id
  )
  SELECT job.status AS job_status, EXISTS (SELECT 1 FROM billable) AS billable, line.*
  FROM job LEFT JOIN line ON true`;

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

    async startCreate(jobId) {
      // One statement: the row locked, the earlier mark read, the mark set (kept when already there).
      const [row] = await sql.query(
        `WITH prior AS (
           SELECT job_id AS prior_id, kling_create_sent_at AS sent_before FROM jobs WHERE job_id = $1 FOR UPDATE
         )
         UPDATE jobs SET kling_create_sent_at = COALESCE(sent_before, now())
         FROM prior WHERE job_id = prior_id
         RETURNING ${JOB_COLUMNS}, sent_before IS NOT NULL AS create_sent_before`,
        [jobId],
      );
      return row ? { job: jobFromRow(row), createSentBefore: row.create_sent_before === true } : undefined;
    },

    async forgetCreate(jobId) {
      await sql.query(
        `UPDATE jobs SET kling_create_sent_at = NULL WHERE job_id = $1 AND kling_task_id IS NULL`,
        [jobId],
      );
    },

    async recordSubmission(jobId, { klingTaskId, family, api, sweep }) {
      const rows = await sql.query(
        `UPDATE jobs
         SET kling_task_id = $2, kling_family = $3, kling_api = $4, task_queue = $5, kling_created_at = $6,
             updated_at = now(), status = CASE WHEN status = 'accepted' THEN 'submitted' ELSE status END
         WHERE job_id = $1 AND kling_task_id IS NULL
         RETURNING ${JOB_COLUMNS}`,
        [
          jobId,
          klingTaskId,
          family,
          api ?? 'legacy',
          sweep?.taskQueue ?? null,
          sweep?.klingCreatedAt ?? null,
        ],
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

    async billSucceededJob(line, outputs) {
      // Parsed before the write: a malformed money field must never reach the table.
      const [row] = await sql.query(BILL_SUCCEEDED_JOB, [
        ...billLineParams(BillLine.parse(line)),
        JSON.stringify(outputs),
      ]);
      if (row === undefined) throw new JobNotFoundError(line.jobId);
      if (row.billable !== true) throw new JobNotBillableError(line.jobId, String(row.job_status));
      if (row.job_id !== null && row.job_id !== undefined) return billLineFromRow(row);
      // A retry: the line was written before, and a bill line never changes.
      const stored = await readBillLine(sql, line.jobId);
      if (stored === undefined) throw new JobNotFoundError(line.jobId);
      return stored;
    },

    async waitingTasks(taskQueue, { jobIds, limit }) {
      const rows = await sql.query(
        `SELECT job_id, kling_task_id, kling_family, kling_api, kling_created_at::float8 AS kling_created_at,
                kling_status
         FROM jobs
         WHERE task_queue = $1 AND status = 'submitted' AND kling_created_at IS NOT NULL
           AND kling_status IS DISTINCT FROM 'succeed' AND kling_status IS DISTINCT FROM 'failed'
           AND ($2::text[] IS NULL OR job_id = ANY($2::text[]))
         ORDER BY kling_created_at DESC
         LIMIT $3`,
        [taskQueue, jobIds === undefined ? null : [...jobIds], limit],
      );
      return rows.map((row) => waitingTaskFromRow(row));
    },

    async recordKlingStatuses(seen) {
      if (seen.length === 0) return [];
      const rows = await sql.query(
        `UPDATE jobs SET kling_status = seen.status, updated_at = now()
         FROM unnest($1::text[], $2::text[]) AS seen (job_id, status)
         WHERE jobs.job_id = seen.job_id AND jobs.${OPEN} AND jobs.kling_status IS DISTINCT FROM seen.status
         RETURNING jobs.job_id, jobs.kling_status`,
        [seen.map((s) => s.jobId), seen.map((s) => s.status)],
      );
      return rows.map((row) => ({ jobId: String(row.job_id), status: String(row.kling_status) }));
    },

    async recordTaskEndings(endings) {
      if (endings.length === 0) return;
      const checked = endings.map(({ jobId, ending }) => ({ jobId, ending: TaskEnding.parse(ending) }));
      await sql.query(
        `UPDATE jobs SET kling_ending = seen.ending, kling_billing = COALESCE(seen.ending -> 'billing', kling_billing),
                         updated_at = now()
         FROM (SELECT job_id, ending::jsonb AS ending FROM unnest($1::text[], $2::text[]) AS e (job_id, ending)) AS seen
         WHERE jobs.job_id = seen.job_id AND jobs.${OPEN} AND jobs.kling_task_id = seen.ending ->> 'taskId'`,
        [checked.map(({ jobId }) => jobId), checked.map(({ ending }) => JSON.stringify(ending))],
      );
    },

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

async function readBillLine(sql: SqlQuery, jobId: string): Promise<BillLine | undefined> {
  const [row] = await sql.query(`SELECT ${BILL_LINE_COLUMNS} FROM bill_lines WHERE job_id = $1`, [jobId]);
  return row ? billLineFromRow(row) : undefined;
}
