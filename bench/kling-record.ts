// What the simulator saw, turned into per-job figures: when each task ended, and requests per job by route.
import type { SimulatorCounters } from '../src/kling/simulator/counters.js';
import type { SimulatedTask } from '../src/kling/simulator/tasks.js';

/** External task id (= job id) → the time its task entered `succeed` or `failed`. */
export function terminalTimes(tasks: readonly SimulatedTask[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const task of tasks) {
    const final = task.transitions.find((t) => t.status === 'succeed' || t.status === 'failed');
    if (task.externalTaskId !== undefined && final !== undefined) times.set(task.externalTaskId, final.at);
  }
  return times;
}

/** Terminal transition → workflow close, for every job that has both. */
export function completionOverheads(
  jobs: readonly { readonly jobId: string; readonly closedAt: number | undefined }[],
  terminalAt: ReadonlyMap<string, number>,
): number[] {
  return jobs.flatMap(({ jobId, closedAt }) => {
    const at = terminalAt.get(jobId);
    return at === undefined || closedAt === undefined ? [] : [closedAt - at];
  });
}

/**
 * Workflow start → its first Kling task created, for every job that has both: how long a job waited to be submitted.
 * The overhead starts at the task's end, so this is the other half of what a caller waits beyond the generation.
 */
export function submitDelays(
  jobs: readonly { readonly jobId: string; readonly startedAt: number }[],
  tasks: readonly SimulatedTask[],
): number[] {
  const createdAt = new Map<string, number>();
  for (const task of tasks) {
    if (task.externalTaskId === undefined) continue;
    const earlier = createdAt.get(task.externalTaskId);
    if (earlier === undefined || task.createdAt < earlier) createdAt.set(task.externalTaskId, task.createdAt);
  }
  return jobs.flatMap(({ jobId, startedAt }) => {
    const at = createdAt.get(jobId);
    return at === undefined ? [] : [Math.max(0, at - startedAt)];
  });
}

export interface KlingRequests {
  /** Route → requests answered (any status) ÷ jobs. */
  readonly perJob: Record<string, number>;
  /** Route → HTTP status → count, for the answers other than 200. */
  readonly errors: Record<string, Record<string, number>>;
}

export function klingRequests(counters: SimulatorCounters, jobs: number): KlingRequests {
  const perJob: Record<string, number> = {};
  const errors: Record<string, Record<string, number>> = {};
  for (const [route, byStatus] of Object.entries(counters.requests)) {
    perJob[route] = Object.values(byStatus).reduce((sum, n) => sum + n, 0) / jobs;
    const failed = Object.entries(byStatus).filter(([status]) => status !== '200');
    if (failed.length > 0) errors[route] = Object.fromEntries(failed);
  }
  return { perJob, errors };
}

/** What a request of the worker's Kling client was for, from its route template (src/kling/client.ts). */
export type RequestKind = 'statusById' | 'statusBatch' | 'create' | 'lookup';

/**
 * Creates are POSTs to a family's path; a lookup names an external id (`external_task_id` in any of the three
 * forms, or the new API's `external_task_ids`); every other request reads task statuses: one task by id
 * (`…/{task_id}`: a poll, a fallback check, a confirmation) or a batch (the list endpoint, `/tasks`).
 */
export function requestKind(route: string): RequestKind {
  if (route.includes('external_task_id')) return 'lookup';
  if (/^POST \/v1\/videos\//.test(route)) return 'create';
  return route.endsWith('/{task_id}') ? 'statusById' : 'statusBatch';
}

export type RequestKinds = Record<RequestKind, number>;

/** Route → requests, into kind → requests per job. */
export function requestKinds(byRoute: Readonly<Record<string, number>>, jobs: number): RequestKinds {
  const kinds: RequestKinds = { statusById: 0, statusBatch: 0, create: 0, lookup: 0 };
  for (const [route, count] of Object.entries(byRoute)) kinds[requestKind(route)] += count / jobs;
  return kinds;
}

/** Requests made between two readings of the worker's cumulative counts, by route. */
export function requestsBetween(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([route, count]) => [route, count - (before[route] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );
}

/** How many of these jobs had exactly one Kling task created for them (by external task id). */
export function jobsWithOneTask(tasks: readonly SimulatedTask[], jobIds: readonly string[]): number {
  const perJob = new Map<string, number>();
  for (const { externalTaskId } of tasks) {
    if (externalTaskId !== undefined) perJob.set(externalTaskId, (perJob.get(externalTaskId) ?? 0) + 1);
  }
  return jobIds.filter((jobId) => perJob.get(jobId) === 1).length;
}
