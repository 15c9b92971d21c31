// The task sweep's activity (run by src/workflows/task-sweep.ts, one per account): read the status of the account's
// waiting tasks in batches, wake exactly the jobs whose task ended, and record what Kling reported. How a task
// ended (its videos, or its failure's reason) is written before its job is woken, so the job settles on it
// without asking Kling again (src/domain/task-ending.ts). A job is woken at most once per terminal status: the
// status is recorded after the signal, and jobs whose recorded status is terminal are no longer swept; a signal
// that fails is retried by the next sweep.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { taskEndedSignal, type TaskEnded } from '../definitions/job.js';
import type { KlingFamily } from '../domain/family.js';
import { FamilySweep, type ListedTask } from '../domain/sweep.js';
import { taskEnding } from '../domain/task-ending.js';
import { MAX_IDS_PER_QUERY, type KlingClient } from '../kling/client.js';
import { KlingError } from '../kling/errors.js';
import type { KlingTask } from '../kling/task.js';
import type { KlingStatusSeen, TaskEndingSeen, WaitingTask } from '../store/job.js';
import type { ActivityDeps } from './deps.js';
import { asActivityFailure } from './failures.js';

export interface SweepRequest {
  /** Only these jobs (a callback hinted them); absent = every waiting task of the account. */
  readonly jobIds?: readonly string[];
}

export interface SweepReport {
  readonly waiting: number;
  readonly requests: number;
  /** Jobs seen `processing` for the first time, and jobs woken: what the sweep shows of a job's progress. */
  readonly processing: string[];
  readonly woken: string[];
  /** The workers' sweep interval (`pollIntervalMs`), so the sweep workflow follows their configuration. */
  readonly intervalMs: number;
  /**
   * How long the sweep's reading took by the worker's clock (the store, Kling, the records; not the signals that wake
   * the jobs), so a long one rests as long (src/domain/sweep-schedule.ts). Absent in reports recorded before it was
   * added; the signals' time counted in those of the releases before 2026-12-02.
   */
  readonly tookMs?: number;
}

/** Waiting tasks read per sweep at most; beyond it, the newest first, the rest by their jobs' own checks. */
const MAX_WAITING = 100_000;
/** Kling requests per family per sweep at most (a page holds 500 tasks). */
const MAX_REQUESTS_PER_FAMILY = 40;
/** Kling new-API batch queries per sweep at most: 2,000 waiting tasks, the newest first. */
const MAX_NEW_API_REQUESTS = 40;
/** Parallel requests to Kling: a share of the account's rate limit. */
const PARALLEL_REQUESTS = 8;
/**
 * Parallel signals to jobs: each is one small gRPC call to Temporal, so a sweep that finds thousands of tasks ended
 * at once (10,000 jobs started together) wakes them in seconds, not minutes.
 */
const PARALLEL_SIGNALS = 64;

/**
 * How often a running sweep heartbeats (the workflow's heartbeat timeout is 20 s): a sweep on a worker that died is
 * given up in seconds, and the next one starts. A sweep of a second or less never heartbeats.
 */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * A full sweep longer than half the interval rests as long as it took (src/domain/sweep-schedule.ts); one that also
 * took more than this is logged (WARN), with where its time went. Below it, at test-sized intervals, it is not news.
 */
const SLOW_SWEEP_MS = 1_000;

export function sweepTasks(deps: ActivityDeps) {
  return async (request: SweepRequest): Promise<SweepReport> => {
    const context = Context.current();
    const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    const began = performance.now();
    const phases: Phases = { storeMs: 0, klingMs: 0, wakeMs: 0, recordMs: 0 };
    try {
      const report = await sweepOnce(deps, context.info.taskQueue, request, phases);
      // The waking is not counted: a signal per ended job is the jobs' own cost, the same whoever finds them ended,
      // and a rest that grew with it would hold back the next ones' (10,000 jobs: 7 of a 9 s sweep were signals).
      const tookMs = Math.round(performance.now() - began) - phases.wakeMs;
      const intervalMs = deps.wait.pollIntervalMs;
      // Full sweeps only: a hinted one (a few jobs a callback named) sets no rest.
      if (request.jobIds === undefined && tookMs > Math.max(intervalMs / 2, SLOW_SWEEP_MS)) {
        // The operator's view of a sweep that costs the worker: where its time went, and the rest that follows.
        context.log.warn(
          'task sweep: its reading took more than half the interval; the next one rests as long as it took',
          {
            tookMs,
            intervalMs,
            waiting: report.waiting,
            requests: report.requests,
            woken: report.woken.length,
            ...phases,
          },
        );
      }
      return { ...report, tookMs };
    } finally {
      clearInterval(beat);
    }
  };
}

/** Where a sweep's time went (ms): the store's read, Kling's answers, the signals, the store's write. */
interface Phases {
  storeMs: number;
  klingMs: number;
  wakeMs: number;
  recordMs: number;
}

async function sweepOnce(
  deps: ActivityDeps,
  taskQueue: string,
  { jobIds }: SweepRequest,
  phases: Phases,
): Promise<SweepReport> {
  let lapStart = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const ms = Math.round(now - lapStart);
    lapStart = now;
    return ms;
  };
  const waiting = await deps.store.waitingTasks(taskQueue, {
    ...(jobIds === undefined ? {} : { jobIds }),
    limit: MAX_WAITING,
  });
  phases.storeMs = lap();
  const byFamily = new Map<KlingFamily, WaitingTask[]>();
  const onNewApi: WaitingTask[] = [];
  for (const task of waiting) {
    if (task.api === 'new') {
      onNewApi.push(task);
      continue;
    }
    const family = byFamily.get(task.family);
    if (family === undefined) byFamily.set(task.family, [task]);
    else family.push(task);
  }

  let requests = 0;
  let failure: unknown;
  const seen: Seen[] = [];
  // Our tasks Kling reported ended, as it reported them: what their jobs settle on. (A list page holds the
  // account's other tasks too, most of them long over: those are not kept.)
  const ours = new Set(waiting.map(({ taskId }) => taskId));
  const ends = new Map<string, KlingTask>();
  const keepEnded: KeepEnded = (tasks) => {
    for (const task of tasks)
      if (ours.has(task.taskId) && (task.status === 'succeed' || task.status === 'failed'))
        ends.set(task.taskId, task);
  };
  // Legacy tasks are read per family (list pages, or queries by id); tasks of Kling's new API in batches of ids.
  for (const [family, tasks] of byFamily) {
    const sweep = new FamilySweep(tasks, MAX_REQUESTS_PER_FAMILY);
    try {
      await readStatuses(deps.kling, family, sweep, keepEnded);
    } catch (error) {
      // Keep what was read: the jobs found ended are woken, the rest wait for the next sweep.
      failure ??= error;
    }
    requests += sweep.requests;
    for (const task of tasks) {
      const status = sweep.statuses.get(task.taskId);
      if (status !== undefined) seen.push({ task, status });
    }
  }

  const newApi = await readNewApiStatuses(deps.kling, onNewApi, keepEnded);
  requests += newApi.requests;
  failure ??= newApi.failure;
  seen.push(...newApi.seen);
  phases.klingMs = lap();

  const ended = seen.filter(({ status }) => status === 'succeed' || status === 'failed');
  // Before the wake-up: the woken job reads it at once. A report that is not a whole ending (a list entry without
  // the videos) is not written, and a write that fails wakes the jobs all the same: they query Kling themselves.
  const endings: TaskEndingSeen[] = ended.flatMap(({ task }) => {
    const reported = ends.get(task.taskId);
    const ending = reported === undefined ? undefined : taskEnding(reported);
    return ending === undefined ? [] : [{ jobId: task.jobId, ending }];
  });
  try {
    await deps.store.recordTaskEndings(endings);
  } catch (error) {
    failure ??= error;
  }
  phases.recordMs = lap();
  const woken = await wake(deps.temporal, ended);
  phases.wakeMs = lap();
  // Only what changed is written: at 10,000 waiting tasks almost all are as the last sweep left them.
  const record: KlingStatusSeen[] = [
    ...seen.filter(
      ({ task, status }) => status !== 'succeed' && status !== 'failed' && status !== task.klingStatus,
    ),
    ...woken,
  ].map(({ task, status }) => ({ jobId: task.jobId, status }));
  const changed = await deps.store.recordKlingStatuses(record);
  phases.recordMs += lap();
  if (failure !== undefined) throw asActivityFailure(failure);
  return {
    waiting: waiting.length,
    requests,
    processing: changed.filter(({ status }) => status === 'processing').map(({ jobId }) => jobId),
    woken: woken.map(({ task }) => task.jobId),
    intervalMs: deps.wait.pollIntervalMs,
  };
}

async function readStatuses(
  kling: KlingClient,
  family: KlingFamily,
  sweep: FamilySweep,
  keepEnded: KeepEnded,
): Promise<void> {
  for (let read = sweep.next(); read.kind !== 'done'; read = sweep.next()) {
    if (read.kind === 'page') {
      const page = await kling.listTasks(family, { pageNum: read.pageNum, pageSize: read.pageSize });
      keepEnded(page);
      sweep.takePage(page.map(listed));
      continue;
    }
    const answers = await inParallel(read.taskIds, PARALLEL_REQUESTS, async (taskId) => {
      try {
        return await kling.getTask(family, taskId);
      } catch (error) {
        // A task Kling does not know (fatal): its job's own check will end the job with Kling's answer.
        if (error instanceof KlingError && error.kind === 'fatal') return undefined;
        throw error;
      }
    });
    const found = answers.filter((answer): answer is KlingTask => answer !== undefined);
    keepEnded(found);
    for (const answer of answers) sweep.takeQuery(answer === undefined ? undefined : listed(answer));
  }
}

/** Keeps the reports of the sweep's tasks that ended, for their jobs to settle on. */
type KeepEnded = (tasks: readonly KlingTask[]) => void;

interface Seen {
  readonly task: WaitingTask;
  readonly status: string;
}

/**
 * Tasks of Kling's new API, newest first, read with its documented batch query (`GET /tasks?task_ids=a,b`,
 * {@link MAX_IDS_PER_QUERY} ids a request), whatever their product: one request for up to fifty waiting jobs. A
 * task missing from an answer is one Kling does not know: its job's own check ends the job with that answer.
 * Statuses arrive in our spelling (`succeeded` is `succeed`, see fromNewTask); an ended task's report, Kling's
 * `billing[]` with it, is kept for its job to settle on.
 */
async function readNewApiStatuses(
  kling: KlingClient,
  tasks: readonly WaitingTask[],
  keepEnded: KeepEnded,
): Promise<{ seen: Seen[]; requests: number; failure: unknown }> {
  const byId = new Map(tasks.map((task) => [task.taskId, task]));
  const ids = [...byId.keys()].slice(0, MAX_NEW_API_REQUESTS * MAX_IDS_PER_QUERY);
  const batches: string[][] = [];
  for (let start = 0; start < ids.length; start += MAX_IDS_PER_QUERY) {
    batches.push(ids.slice(start, start + MAX_IDS_PER_QUERY));
  }
  let failure: unknown;
  const answers = await inParallel(batches, PARALLEL_REQUESTS, async (batch) => {
    try {
      return await kling.getNewTasks(batch);
    } catch (error) {
      // Keep the other batches' answers: their jobs are woken, these wait for the next sweep.
      failure ??= error;
      return [];
    }
  });
  const seen: Seen[] = [];
  keepEnded(answers.flat());
  for (const found of answers.flat()) {
    const task = byId.get(found.taskId);
    if (task !== undefined) seen.push({ task, status: found.status });
  }
  return { seen, requests: batches.length, failure };
}

/** Signals each job; returns the ones to record as woken (signalled, or whose workflow is gone). */
async function wake<T extends Seen>(client: Client, ended: readonly T[]): Promise<T[]> {
  const results = await inParallel(ended, PARALLEL_SIGNALS, async (entry) => {
    const signal: TaskEnded = { taskId: entry.task.taskId, status: entry.status as TaskEnded['status'] };
    try {
      await client.workflow.getHandle(entry.task.jobId).signal(taskEndedSignal, signal);
      return entry;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return entry;
      Context.current().log.warn('task sweep: could not wake a job; the next sweep tries again', {
        jobId: entry.task.jobId,
        error,
      });
      return undefined;
    }
  });
  return results.filter((entry): entry is T => entry !== undefined);
}

function listed(task: { taskId: string; status: string; createdAt: number }): ListedTask {
  return { taskId: task.taskId, status: task.status, createdAt: task.createdAt };
}

/**
 * Runs `work` over `items` with at most `parallel` in flight, results in order. A lane takes the next item as soon as
 * its last one is done, so one slow answer (a signal to a busy server) holds up only its own lane, not a whole batch.
 * The first failure stops the lanes from taking more and is what this rejects with.
 */
async function inParallel<T, R>(
  items: readonly T[],
  parallel: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
  return results;
}
