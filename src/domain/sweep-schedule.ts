// When the account's next full task sweep is due (src/workflows/task-sweep.ts). A fixed rate: one interval after
// the previous one was due, not after it began, so the time a sweep waits for its workflow task does not stretch the
// interval — under load that was a third of a 1 s interval. Two floors: a sweep that began late is followed no
// sooner than half an interval after it began, so sweeps never run back to back to catch up; and a sweep that took
// long (seconds, with 10,000 tasks waiting) rests as long as it took, so sweeping takes at most half the time — of
// the worker's CPU and of Kling's list endpoint. How long it took is its reading (store, Kling, records) as the
// sweep itself measured it. Not the signals that wake the ended jobs: a cost the jobs pay whoever wakes them. Not
// workflow time: workflow time after the sweep also counts the wait for the workflow task that reads its report, which
// grows with load, and a rest that grows with load feeds the load it waits for (tried: p99 277 s at 10,000 jobs).
// Pure, so the workflow stays deterministic.

/**
 * Unix ms at which the next full sweep is due, given when this one was due and when it began (workflow time) and,
 * once it ended, how long it took by its own clock.
 */
export function nextFullSweepDue(due: number, began: number, intervalMs: number, tookMs = 0): number {
  return Math.max(due + intervalMs, began + intervalMs / 2, began + 2 * tookMs);
}
