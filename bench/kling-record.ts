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
