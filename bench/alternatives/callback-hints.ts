// src/workflows/callback-hints.ts as it was before issue 15, frozen for the `callbacks` design: Kling callbacks
// reach a job as hints (kling-api.md: retries and ordering are undocumented, so de-duplicate and confirm with a
// query). The receiver signals only terminal callbacks (deliver.ts); this box decides which hint is worth one
// confirming query, and caps how many are, so a job's history stays bounded whatever Kling resends.
import { defineSignal } from '@temporalio/workflow';

/** What the receiver forwards of a terminal callback: enough to decide whether to look, nothing to bill from. */
export interface TaskHint {
  readonly taskId: string;
  readonly status: 'succeed' | 'failed';
  /** Kling's `updated_at` (Unix ms): orders deliveries. */
  readonly updatedAt: number;
}

/** Signalled to the job's workflow (id = job id) by the callback receiver. */
export const klingCallbackSignal = defineSignal<[TaskHint]>('klingCallback');

/** Hints confirmed per job at most; later ones are ignored and polling alone finishes the job. */
export const MAX_CONFIRMED_HINTS = 3;

export class TaskHints {
  #taskId: string | undefined;
  #newest = Number.NEGATIVE_INFINITY;
  #pending: TaskHint | undefined;
  #confirmed = 0;

  /** Signal handler: anything malformed, stale, repeated or about another task is dropped, never thrown on. */
  offer(hint: unknown): void {
    if (!isTaskHint(hint)) return;
    if (this.#taskId !== undefined && hint.taskId !== this.#taskId) return;
    // Not newer than one already seen: a duplicate or an out-of-order delivery.
    if (hint.updatedAt <= this.#newest) return;
    if (this.#confirmed >= MAX_CONFIRMED_HINTS) return;
    this.#newest = hint.updatedAt;
    this.#pending = hint;
  }

  /** From now on only hints about this task count (one that arrived before the task id was known included). */
  watch(taskId: string): void {
    this.#taskId = taskId;
    if (this.#pending !== undefined && this.#pending.taskId !== taskId) this.#pending = undefined;
  }

  get ready(): boolean {
    return this.#pending !== undefined;
  }

  /** Consumes the pending hint: the caller confirms it with one query. */
  take(): TaskHint | undefined {
    const hint = this.#pending;
    this.#pending = undefined;
    if (hint !== undefined) this.#confirmed++;
    return hint;
  }
}

function isTaskHint(value: unknown): value is TaskHint {
  if (typeof value !== 'object' || value === null) return false;
  const { taskId, status, updatedAt } = value as Record<string, unknown>;
  return (
    typeof taskId === 'string' &&
    (status === 'succeed' || status === 'failed') &&
    typeof updatedAt === 'number' &&
    Number.isFinite(updatedAt)
  );
}
