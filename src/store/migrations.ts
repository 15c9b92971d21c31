import type { Sql } from './sql.js';

/**
 * The schema, as numbered steps. A step is never edited once committed: a database that applied it keeps it,
 * so a change is a new step. Each statement is separate because PGlite's parameterized protocol runs one at a time.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs and bill lines',
    statements: [
      `CREATE TABLE jobs (
        job_id text PRIMARY KEY,
        -- Insertion order for listings: PGlite's clock ticks in milliseconds, so created_at alone can tie.
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        model text NOT NULL,
        status text NOT NULL,
        envelope jsonb NOT NULL,
        rate_card jsonb NOT NULL,
        rate_card_sha256 text NOT NULL,
        quote jsonb NOT NULL,
        kling_task_id text,
        kling_family text,
        kling_status text,
        outputs jsonb,
        failure_type text,
        failure_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE bill_lines (
        job_id text PRIMARY KEY REFERENCES jobs (job_id),
        kling_task_id text NOT NULL,
        model text NOT NULL,
        mode text NOT NULL,
        input_type text NOT NULL,
        requested_seconds text NOT NULL,
        billed_seconds integer NOT NULL,
        requested_resolution text NOT NULL,
        billed_resolution text NOT NULL,
        factors jsonb NOT NULL,
        raw_cost_usd text NOT NULL,
        cost_usd text NOT NULL,
        amount_cents integer NOT NULL,
        clamped text,
        rounding text NOT NULL,
        currency text NOT NULL,
        rate_card_version text NOT NULL,
        rate_card_sha256 text NOT NULL,
        audio boolean NOT NULL,
        created_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'bill amounts as bigint',
    // An integer column overflows at 21,474,836.47 in cents; bigint holds every amount a bill line can carry (any
    // safe integer), and the rate card bounds what a job can be charged well below that (issue 13).
    statements: ['ALTER TABLE bill_lines ALTER COLUMN amount_cents TYPE bigint'],
  },
  {
    version: 3,
    name: 'kling billing beside ours; bill lines by time',
    statements: [
      // What Kling's new API reports it charged for the task (`billing[]`), kept beside our bill line so an
      // export can put the two side by side; NULL when Kling reported nothing (the legacy API never does).
      `ALTER TABLE jobs ADD COLUMN kling_billing jsonb`,
      // The bill export reads a period in (created_at, job_id) order, a page at a time (keyset pagination).
      `CREATE INDEX bill_lines_created_at_job_id ON bill_lines (created_at, job_id)`,
    ],
  },
  {
    version: 4,
    name: 'waiting tasks for the task sweep',
    statements: [
      // The account (task queue) a job's task belongs to, and Kling's own creation time of it (Unix ms): the sweep
      // pages Kling's newest-first list only as far back as the oldest task still waiting. NULL for jobs submitted
      // before: they poll for themselves.
      `ALTER TABLE jobs ADD COLUMN task_queue text`,
      `ALTER TABLE jobs ADD COLUMN kling_created_at bigint`,
      `CREATE INDEX jobs_waiting_tasks ON jobs (task_queue, kling_created_at) WHERE status = 'submitted'`,
    ],
  },
  {
    version: 5,
    name: "Kling's new API: the API of a job's task, the model name a request used",
    statements: [
      // 'legacy' or 'new': where the task is queried (the new API reads tasks by id in batches); NULL for jobs
      // submitted before, all of which went to the legacy API.
      `ALTER TABLE jobs ADD COLUMN kling_api text`,
      // The name the request used when it is another name of the billed model (the new API's, e.g. kling-3.0 for
      // kling-v3); NULL when it used the model's own name, and for lines written before.
      `ALTER TABLE bill_lines ADD COLUMN requested_model text`,
    ],
  },
  {
    version: 6,
    name: 'When the first create of a job was sent to Kling',
    statements: [
      // Set before the first create leaves: a submit that finds it set knows an earlier one may have made a task
      // (a crash between the create and its record), so it looks the task up before creating again. Kept by the
      // store because a local activity that dies with its worker leaves Temporal no attempt count to go by.
      `ALTER TABLE jobs ADD COLUMN kling_create_sent_at timestamptz`,
    ],
  },
  {
    version: 7,
    name: "How a job's Kling task ended, as the task sweep read it",
    statements: [
      // src/domain/task-ending.ts: the job the sweep wakes settles on it instead of asking Kling again. NULL until
      // the sweep saw the task end, and for jobs woken otherwise (their own check queries Kling).
      `ALTER TABLE jobs ADD COLUMN kling_ending jsonb`,
    ],
  },
];

// Arbitrary, fixed: every process migrating this schema must agree on it.
const MIGRATION_LOCK_KEY = 5_871_402_334;

/**
 * Applies the missing steps in order, in one transaction that holds an advisory lock, so two workers starting
 * against the same PostgreSQL at once apply each step exactly once. Returns the versions applied now.
 */
export async function migrate(sql: Sql): Promise<number[]> {
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const rows = await tx.query('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
