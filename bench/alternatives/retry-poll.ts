// The production design before issue 15, frozen: one check per activity attempt, the retry policy is the poll
// timer (wait.ts). With `callbacks` in the wait policy (the `callbacks` design), a terminal callback hint races
// the poll and one query confirms it. The hint handler is registered from the start, as production did: a
// callback may race the submit's answer.
import { setHandler } from '@temporalio/workflow';
import { klingCallbackSignal, TaskHints } from './callback-hints.js';
import { runJob, type JobResult } from './job-steps.js';
import { waitForTask } from './wait.js';

export async function retryPollJob(payload: unknown): Promise<JobResult> {
  const hints = new TaskHints();
  setHandler(klingCallbackSignal, (hint) => hints.offer(hint));
  return runJob(payload, (ref, policy) => waitForTask(ref, policy, hints));
}
