// Step 3, waiting for the Kling task to end — the whole wake-up path as a job sees it. Nothing polls per job: the
// account's task sweep (./task-sweep.ts, which Kling callbacks only hint) reads every waiting task in batches and
// signals the job whose own task ended. The job also keeps a slow check of its own (a timer of minutes), so a sweep
// that stopped only delays it. Either way a wake-up is a hint: the job confirms it with one task query before it
// bills (settleJob). Costs on the way: the check's timer is one event, a wake-up one signal; a timer left running
// when the job ends is never cancelled, so it costs nothing more.
import { condition, setHandler, sleep } from '@temporalio/workflow';
import type { WaitPolicy } from '../activities/index.js';
import { MAX_TASK_ID_LENGTH, taskEndedSignal, type TaskEnded } from '../definitions/job.js';

export type WakeUp = 'task ended' | 'check due' | 'budget spent';

type EndStatus = TaskEnded['status'];

/** A job's own check when the policy names none (accepted by a worker from before the sweep). */
const DEFAULT_FALLBACK_CHECK_MS = 5 * 60_000;

/** Registered when the job starts: the sweep may report the task's end before the submit's answer is processed. */
export class TaskWait {
  #taskId: string | undefined;
  /** Reported before the task id was known: the latest report per status. */
  readonly #early = new Map<EndStatus, string>();
  /** Reported for the watched task and not yet acted on. */
  readonly #pending = new Set<EndStatus>();
  /** Acted on once each: a status reported again is ignored. */
  readonly #taken = new Set<EndStatus>();
  #deadline = Number.POSITIVE_INFINITY;
  #fallbackCheckMs = Number.POSITIVE_INFINITY;
  #checkRunning = false;
  #checkDue = false;
  #failedSettles = 0;

  constructor() {
    setHandler(taskEndedSignal, (report) => this.#offer(report));
  }

  /** Starts waiting for this task, within the job's budget from now. */
  watch(taskId: string, policy: WaitPolicy): void {
    this.#taskId = taskId;
    this.#deadline = Date.now() + policy.budgetMs;
    this.#fallbackCheckMs = policy.fallbackCheckMs ?? DEFAULT_FALLBACK_CHECK_MS;
    for (const [status, reported] of this.#early) if (reported === taskId) this.#pend(status);
    this.#early.clear();
  }

  /** Resolves when the task may have ended, a check is due, or the budget is spent. */
  async next(): Promise<WakeUp> {
    if (this.#take()) return 'task ended';
    if (Date.now() >= this.#deadline) return 'budget spent';
    if (!this.#checkRunning) this.#startCheck(this.#fallbackCheckMs);
    await condition(() => this.#pending.size > 0 || this.#checkDue);
    if (this.#take()) return 'task ended';
    this.#checkDue = false;
    this.#checkRunning = false;
    return Date.now() >= this.#deadline ? 'budget spent' : 'check due';
  }

  /**
   * The confirming query found nothing (Kling or the store did not answer): look again soon, sooner than the
   * fallback check, backing off while it keeps failing.
   */
  settleFailed(): void {
    this.#failedSettles++;
    this.#startCheck(Math.min(this.#fallbackCheckMs, 15_000 * 2 ** (this.#failedSettles - 1)));
  }

  settled(): void {
    this.#failedSettles = 0;
  }

  #startCheck(afterMs: number): void {
    this.#checkRunning = true;
    const ms = Math.max(1, Math.min(afterMs, this.#deadline - Date.now()));
    sleep(ms).then(
      () => {
        this.#checkDue = true;
      },
      // Cancelled with the job: its cancellation is handled where the job waits.
      () => undefined,
    );
  }

  #offer(report: unknown): void {
    if (!isTaskEnded(report)) return;
    if (this.#taskId === undefined) this.#early.set(report.status, report.taskId);
    else if (report.taskId === this.#taskId) this.#pend(report.status);
  }

  #pend(status: EndStatus): void {
    if (!this.#taken.has(status)) this.#pending.add(status);
  }

  #take(): boolean {
    const [status] = this.#pending;
    if (status === undefined) return false;
    this.#pending.delete(status);
    this.#taken.add(status);
    return true;
  }
}

function isTaskEnded(value: unknown): value is TaskEnded {
  if (typeof value !== 'object' || value === null) return false;
  const { taskId, status } = value as Record<string, unknown>;
  return (
    typeof taskId === 'string' &&
    taskId.length <= MAX_TASK_ID_LENGTH &&
    (status === 'succeed' || status === 'failed')
  );
}
