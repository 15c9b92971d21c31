// When the account's next full task sweep is due (src/workflows/task-sweep.ts). A fixed rate: one interval after
// the previous one was due, not after it began, so the time a sweep waits for its workflow task and runs does not
// stretch the interval — under load that was a third of a 1 s interval, and at 10,000 waiting tasks a sweep takes
// seconds. A sweep that began late is followed no sooner than half an interval after it began: sweeps never run
// back to back to catch up (each reads Kling's list pages). Pure, so the workflow stays deterministic.

/** Unix ms at which the next full sweep is due, given when this one was due and when it began. */
export function nextFullSweepDue(due: number, began: number, intervalMs: number): number {
  return Math.max(due + intervalMs, began + intervalMs / 2);
}
