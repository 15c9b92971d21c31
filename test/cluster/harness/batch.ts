// A batch of jobs started on the cluster, and what it left behind once every workflow closed: the figures each
// fault test prints (jobs / completed / Kling tasks / bill lines / Kling requests) and the checks they must pass.
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import pg from 'pg';
import { createJobsClient } from '../../../src/client.js';
import type { SimulatorCounters } from '../../../src/kling/simulator/counters.js';
import { lookupsIn } from '../../support/kling-lookups.js';
import type { Cluster } from './cluster.js';

export interface BatchFigures {
  readonly name: string;
  readonly jobs: number;
  /** Workflows closed (any way); the rest were still running at the deadline. */
  readonly completed: number;
  readonly succeeded: readonly string[];
  readonly failed: readonly string[];
  /** Kling tasks carrying each job id as external_task_id, and their final statuses. */
  readonly tasksByJob: ReadonlyMap<string, readonly string[]>;
  readonly klingTasks: number;
  readonly billLinesByJob: ReadonlyMap<string, number>;
  readonly billLines: number;
  /** Requests to Kling's API during the batch (the simulator's count; its admin routes excluded). */
  readonly klingRequests: number;
  readonly lookups: number;
  readonly throttled: number;
  /** Start to close of each job, in seconds. */
  readonly seconds: readonly number[];
}

export interface Batch {
  readonly jobIds: readonly string[];
  /** Waits until every workflow closed (or `timeoutMs` passed) and gathers the figures. */
  settle(timeoutMs: number): Promise<BatchFigures>;
}

export interface Harness {
  startBatch(name: string, count: number, payload: unknown): Promise<Batch>;
  /** Bill lines written so far for these jobs (the workers' database). */
  billLines(jobIds: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

export async function connectHarness(cluster: Cluster): Promise<Harness> {
  const connection = await Connection.connect({ address: cluster.temporalAddress });
  const client = new Client({ connection, namespace: cluster.namespace });
  const jobs = createJobsClient(client, cluster.taskQueue);
  const database = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
  // A restarted PostgreSQL cuts the pool's idle connections; the pool replaces them on the next query.
  database.on('error', () => undefined);

  return {
    async startBatch(name, count, payload) {
      const before = await cluster.simulator.counters();
      const firstLine = cluster.simulator.lines.length;
      const jobIds = Array.from({ length: count }, (_, i) => `${name}-${i + 1}-${Date.now().toString(36)}`);
      await Promise.all(jobIds.map((jobId) => jobs.startJob(payload, { jobId })));
      return {
        jobIds,
        async settle(timeoutMs) {
          const closed = await untilClosed(client, jobIds, timeoutMs);
          const after = await cluster.simulator.counters();
          const tasks = (await cluster.simulator.tasks()).filter(
            (task) => task.externalTaskId !== undefined && jobIds.includes(task.externalTaskId),
          );
          const { rows } = await retrying(() =>
            database.query<{ job_id: string }>('SELECT job_id FROM bill_lines WHERE job_id = ANY($1)', [
              jobIds,
            ]),
          );
          const tasksByJob = new Map(jobIds.map((jobId) => [jobId, [] as string[]]));
          for (const task of tasks) tasksByJob.get(task.externalTaskId!)?.push(task.status);
          const billLinesByJob = new Map(jobIds.map((jobId) => [jobId, 0]));
          for (const row of rows) billLinesByJob.set(row.job_id, (billLinesByJob.get(row.job_id) ?? 0) + 1);
          const delta = difference(before, after);
          const lookups = lookupsIn(cluster.simulator.lines.slice(firstLine), jobIds);
          return {
            name,
            jobs: count,
            completed: closed.filter((job) => job.status !== 'RUNNING').length,
            succeeded: closed.filter((job) => job.status === 'COMPLETED').map((job) => job.jobId),
            failed: closed.filter((job) => job.status === 'FAILED').map((job) => job.jobId),
            tasksByJob,
            klingTasks: tasks.length,
            billLinesByJob,
            billLines: rows.length,
            klingRequests: delta.requests,
            lookups,
            throttled: delta.throttled,
            seconds: closed.flatMap((job) => (job.seconds === undefined ? [] : [job.seconds])),
          };
        },
      };
    },
    async billLines(jobIds) {
      const { rows } = await database.query<{ count: string }>(
        'SELECT count(*) FROM bill_lines WHERE job_id = ANY($1)',
        [jobIds],
      );
      return Number(rows[0]?.count ?? 0);
    },
    async close() {
      await database.end();
      await connection.close();
    },
  };
}

interface Closed {
  readonly jobId: string;
  readonly status: string;
  readonly seconds: number | undefined;
}

/** Describes every job until none runs; RPC errors (the server is being restarted) just mean "ask again". */
async function untilClosed(client: Client, jobIds: readonly string[], timeoutMs: number): Promise<Closed[]> {
  const deadline = Date.now() + timeoutMs;
  const known = new Map<string, Closed>();
  for (;;) {
    for (const jobId of jobIds) {
      if (known.has(jobId)) continue;
      try {
        const description = await client.workflow.getHandle(jobId).describe();
        if (description.status.name === 'RUNNING') continue;
        const closeTime = description.closeTime?.getTime();
        known.set(jobId, {
          jobId,
          status: description.status.name,
          seconds: closeTime === undefined ? undefined : (closeTime - description.startTime.getTime()) / 1000,
        });
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw error;
      }
    }
    if (known.size === jobIds.length || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return jobIds.map((jobId) => known.get(jobId) ?? { jobId, status: 'RUNNING', seconds: undefined });
}

async function retrying<T>(query: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await query();
    } catch (error) {
      if (attempt >= 30) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** Kling API requests between two counter snapshots, and the 429s among them. */
function difference(before: SimulatorCounters, after: SimulatorCounters) {
  const sum = (counters: SimulatorCounters) =>
    Object.entries(counters.requests)
      .filter(([route]) => !route.includes('/__simulator'))
      .reduce((total, [, byStatus]) => total + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
  const throttled = (counters: SimulatorCounters) =>
    Object.values(counters.codes).reduce(
      (total, byCode) => total + (byCode['1303'] ?? 0) + (byCode['1302'] ?? 0),
      0,
    );
  return {
    requests: sum(after) - sum(before),
    throttled: throttled(after) - throttled(before),
  };
}

/** One line per fault, the figures the issue asks every fault test to print. */
export function describeFigures(figures: BatchFigures, bound: number): string {
  const sorted = [...figures.seconds].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return [
    `[cluster] ${figures.name}: jobs ${figures.jobs}`,
    `completed ${figures.completed} (${figures.succeeded.length} succeeded, ${figures.failed.length} failed)`,
    `Kling tasks ${figures.klingTasks}`,
    `bill lines ${figures.billLines}`,
    `Kling requests ${figures.klingRequests} (${(figures.klingRequests / figures.jobs).toFixed(1)}/job, bound ${bound}; ` +
      `${figures.lookups} lookups, ${figures.throttled} answered 429)`,
    `job time p50 ${at(0.5).toFixed(0)} s, max ${at(1).toFixed(0)} s`,
  ].join(' · ');
}
