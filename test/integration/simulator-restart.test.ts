// Issue 13, row 7, as a user meets it: `kling-video worker` (what `npm start` runs) with nothing configured but the
// Temporal server, so it uses PGlite and the embedded simulator in its data folder. 30 jobs, the whole process tree
// killed with SIGKILL mid-flight, the same command again: every job succeeds, billed once, on one Kling task each.
// And two workers of one queue and one data folder share the simulator instead of failing each other's jobs.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createJobsClient, type JobsClient } from '../../src/client.js';
import { openPgliteSql } from '../../src/store/pglite-sql.js';
import { createDatabase, queryOnce } from '../store/databases.js';
import { eventually } from '../support/eventually.js';
import { connectTemporal, type TemporalTestContext } from '../support/temporal.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const payload = { model_name: 'kling-v2-6', prompt: 'A lighthouse at dusk', duration: 5, mode: 'pro' };

/** What the embedded simulator of a data folder has seen, read through its own admin endpoint. */
async function simulatorCounters(dataDir: string): Promise<{ tasksCreated: number; inFlight: number }> {
  const { url } = JSON.parse(await readFile(join(dataDir, 'simulator', 'address.json'), 'utf8')) as {
    url: string;
  };
  return (await (await fetch(`${url}/__simulator/counters`)).json()) as {
    tasksCreated: number;
    inFlight: number;
  };
}

/** The tasks kept in the data folder's journal: the last line of each task wins. */
async function journalTasks(
  dataDir: string,
): Promise<Map<string, { externalTaskId?: string; status: string }>> {
  const text = await readFile(join(dataDir, 'simulator', 'tasks.jsonl'), 'utf8');
  const tasks = new Map<string, { externalTaskId?: string; status: string }>();
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const task = JSON.parse(line) as { taskId: string; externalTaskId?: string; status: string };
    tasks.set(task.taskId, task);
  }
  return tasks;
}

/** How each job ended: `succeed <cost>`, or its failure (a 1203 "task not found" shows here). */
async function outcomes(ids: readonly string[]): Promise<string[]> {
  const settled = await Promise.allSettled(ids.map((jobId) => jobs.waitForJob(jobId)));
  return settled.map((outcome) =>
    outcome.status === 'fulfilled'
      ? `${outcome.value.status} ${outcome.value.bill.costUsd}`
      : `failed: ${(outcome.reason as Error).message}`,
  );
}

async function jobsWaiting(ids: readonly string[]): Promise<number> {
  const views = await Promise.all(ids.map((jobId) => jobs.getJob(jobId).catch(() => undefined)));
  return views.filter((view) => view?.status?.phase === 'waiting').length;
}

let temporal: TemporalTestContext;
let jobs: JobsClient;
const workers: WorkerProcess[] = [];
const folders: string[] = [];
beforeAll(async () => {
  temporal = await connectTemporal('simulator-restart');
  jobs = createJobsClient(temporal.client, temporal.taskQueue);
});
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.killTree();
});
afterAll(async () => {
  await temporal?.close();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function dataFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'simulator-restart-'));
  folders.push(folder);
  return folder;
}

async function worker(env: Record<string, string>): Promise<WorkerProcess> {
  const started = await startWorkerProcess('cli', {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: temporal.taskQueue,
    KLING_POLL_INTERVAL_SECONDS: '1',
    ...env,
  });
  workers.push(started);
  return started;
}

describe('npm start with the embedded simulator, killed with SIGKILL mid-flight and started again', () => {
  it('finishes all 30 jobs: 30 succeeded, 30 bill lines, 30 Kling tasks', async () => {
    const dataDir = await dataFolder();
    const first = await worker({ KLING_DATA_DIR: dataDir });
    const ids = Array.from({ length: 30 }, (_, i) => `job-restart-${i}-${randomUUID()}`);
    for (const jobId of ids) await jobs.startJob(payload, { jobId });
    // Mid-flight: the simulator's account limit (10) is full of running tasks, the other jobs wait their turn.
    await eventually(
      async () => ((await jobsWaiting(ids)) >= 10 ? true : undefined),
      'ten jobs waiting on their Kling task',
      120_000,
      1_000,
    );
    await first.killTree();

    const second = await worker({ KLING_DATA_DIR: dataDir });
    expect(await outcomes(ids)).toEqual(ids.map(() => 'succeed 0.60'));

    // Stopped cleanly (SIGTERM), so its PGlite folder can be read here.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const sql = await openPgliteSql(dataDir);
    try {
      const [bills] = await sql.query('SELECT count(*)::int AS n FROM bill_lines');
      const [succeeded] = await sql.query(`SELECT count(*)::int AS n FROM jobs WHERE status = 'succeeded'`);
      expect({ bills: bills?.n, succeeded: succeeded?.n }).toEqual({ bills: 30, succeeded: 30 });
    } finally {
      await sql.close();
    }
    const tasks = [...(await journalTasks(dataDir)).values()];
    expect(tasks).toHaveLength(30);
    expect(new Set(tasks.map((task) => task.externalTaskId))).toEqual(new Set(ids));
    expect(tasks.every((task) => task.status === 'succeed')).toBe(true);
  }, 900_000);
});

describe('two workers on one queue and one data folder', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  beforeAll(async () => {
    database = await createDatabase(inject('databaseUrl'));
  });
  afterAll(async () => database?.drop());

  it('share the embedded simulator: no job fails the other worker’s polls with 1203', async () => {
    const dataDir = await dataFolder();
    const env = { KLING_DATA_DIR: dataDir, DATABASE_URL: database.url };
    const [a, b] = await Promise.all([worker(env), worker(env)]);
    const ids = Array.from({ length: 10 }, (_, i) => `job-two-workers-${i}-${randomUUID()}`);
    for (const jobId of ids) await jobs.startJob(payload, { jobId });
    expect(await outcomes(ids)).toEqual(ids.map(() => 'succeed 0.60'));
    const bills = await queryOnce(database.url, 'SELECT count(*)::int AS n FROM bill_lines');
    expect(bills).toEqual([{ n: 10 }]);
    expect((await simulatorCounters(dataDir)).tasksCreated).toBe(10);
    const sharing = [a.output(), b.output()].filter((output) =>
      output.includes("using another worker's Kling simulator"),
    );
    expect(sharing).toHaveLength(1);
  }, 600_000);
});
