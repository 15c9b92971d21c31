// When the account's next full task sweep is due (src/workflows/task-sweep.ts). A fixed rate: one interval after
// the previous one was due, not after it began, so the time a sweep waits for its workflow task and runs does not
// stretch the interval — under load that was a third of a 1 s interval. Two floors: a sweep that began late is
// followed no sooner than half an interval after it began, so sweeps never run back to back to catch up; and a sweep
// that took long (seconds, with 10,000 tasks waiting) rests as long as it took, so sweeping never takes more than
// half the time — of the worker's CPU and of Kling's list endpoint. Pure, so the workflow stays deterministic.

/**
 * Unix ms at which the next full sweep is due, given when this one was due, when it began and — once it ended — how
 * long it took.
 */
export function nextFullSweepDue(due: number, began: number, intervalMs: number, tookMs = 0): number {
  return Math.max(due + intervalMs, began + intervalMs / 2, began + 2 * tookMs);
}
