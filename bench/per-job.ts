// The per-job figures the ratio and target tables compare, with a design's shared workflows (a sweep) spread
// over its jobs: work moved out of the job's own history into a shared one still counts.
import type { ConfigurationResult } from './result.js';

/** The job's own history events (mean) + the shared workflows' ÷ N. */
export function eventsPerJob(result: ConfigurationResult): number {
  return result.historyEvents.mean + result.shared.events / result.configuration.jobs;
}

/** The job's own workflow tasks (mean) + the shared workflows' ÷ N. */
export function workflowTasksPerJob(result: ConfigurationResult): number {
  return result.workflowTasks.mean + result.shared.workflowTasks / result.configuration.jobs;
}

export function historyBytesPerJob(result: ConfigurationResult): number {
  return result.historyBytes.mean + result.shared.bytes / result.configuration.jobs;
}

/** Kling requests that read task statuses, by id or in batches (the worker's client's count). */
export function statusRequestsPerJob(result: ConfigurationResult): number {
  return result.klingRequestKindsPerJob.statusById + result.klingRequestKindsPerJob.statusBatch;
}

/** Every Kling request the simulator answered, per job. */
export function klingAnsweredPerJob(result: ConfigurationResult): number {
  return Object.values(result.klingRequestsPerJob).reduce((sum, n) => sum + n, 0);
}

/** Worker + server CPU per job; `undefined` when the server's could not be read. */
export function cpuPerJob(result: ConfigurationResult): number | undefined {
  return result.serverCpuMsPerJob === undefined
    ? undefined
    : result.workerCpuMsPerJob + result.serverCpuMsPerJob;
}
