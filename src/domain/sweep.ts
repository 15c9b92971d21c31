// Which Kling requests read the status of a set of waiting tasks on one family, as few as possible. Kling's legacy
// list (`GET /v1/videos/<family>?pageNum&pageSize`) returns the account's tasks newest first, up to 500 a page, so
// one page usually covers every task this account is waiting on; an account that creates many tasks of its own
// pushes old waiting tasks deep into the list, and then a query per task (`GET …/{task_id}`) is cheaper than the
// pages in between. After each page the pages still needed are estimated from how many tasks per millisecond the
// pages read so far held, and the cheaper of the two is taken. Pure: the activity (src/activities/sweep.ts) does the
// requests and reports what they returned.

/** A task the sweep looks for. */
export interface SweepTarget {
  readonly taskId: string;
  /** Kling's `created_at` (Unix ms), recorded at submission: the list is ordered by it. */
  readonly createdAt: number;
}

/** A task as a list page or a query returned it. */
export interface ListedTask {
  readonly taskId: string;
  readonly status: string;
  readonly createdAt: number;
}

export type SweepRead =
  | { readonly kind: 'page'; readonly pageNum: number; readonly pageSize: number }
  | { readonly kind: 'get'; readonly taskIds: readonly string[] }
  | { readonly kind: 'done' };

/** Kling's limits on the list (kling-api.md, "Legacy: query"). */
export const PAGE_SIZE = 500;
export const MAX_PAGE_NUM = 1_000;

export class FamilySweep {
  /** Not yet seen: task id → Kling's created_at. */
  readonly #remaining: Map<string, number>;
  readonly #statuses = new Map<string, string>();
  readonly #maxRequests: number;
  #requests = 0;
  #pages = 0;
  #newest = Number.NEGATIVE_INFINITY;
  #oldest = Number.POSITIVE_INFINITY;
  #listEnded = false;
  #queried = false;

  /** `maxRequests` bounds one sweep; what it leaves is looked for by the next one (or the job's own check). */
  constructor(targets: readonly SweepTarget[], maxRequests: number) {
    this.#remaining = new Map(targets.map((target) => [target.taskId, target.createdAt]));
    this.#maxRequests = maxRequests;
  }

  /** The next request to make. */
  next(): SweepRead {
    const budget = this.#maxRequests - this.#requests;
    if (this.#remaining.size === 0 || budget <= 0 || this.#queried) return { kind: 'done' };
    // One task: its own query reads exactly it, where the first page may not reach it.
    const single = this.#pages === 0 && this.#remaining.size === 1;
    if (
      !single &&
      !this.#listEnded &&
      this.#pages < MAX_PAGE_NUM &&
      this.#pagesLeft() < this.#remaining.size
    ) {
      return { kind: 'page', pageNum: this.#pages + 1, pageSize: PAGE_SIZE };
    }
    return { kind: 'get', taskIds: [...this.#remaining.keys()].slice(0, budget) };
  }

  /** A page the list returned. */
  takePage(tasks: readonly ListedTask[]): void {
    this.#requests++;
    this.#pages++;
    for (const task of tasks) {
      this.#see(task);
      this.#newest = Math.max(this.#newest, task.createdAt);
      this.#oldest = Math.min(this.#oldest, task.createdAt);
    }
    if (tasks.length < PAGE_SIZE) this.#listEnded = true;
  }

  /** The answer to one task's query; `undefined` when it gave none. Queries end the sweep of this family. */
  takeQuery(task: ListedTask | undefined): void {
    this.#requests++;
    this.#queried = true;
    if (task !== undefined) this.#see(task);
  }

  /** Task id → status, for every target seen. */
  get statuses(): ReadonlyMap<string, string> {
    return this.#statuses;
  }

  get requests(): number {
    return this.#requests;
  }

  #see(task: ListedTask): void {
    if (!this.#remaining.has(task.taskId)) return;
    this.#remaining.delete(task.taskId);
    this.#statuses.set(task.taskId, task.status);
  }

  /** Pages still to read before the oldest remaining target, from the density of the pages read so far. */
  #pagesLeft(): number {
    if (this.#pages === 0) return 1;
    const oldestTarget = Math.min(...this.#remaining.values());
    // The pages read reach back past every remaining target: they are not in the list at all.
    if (this.#oldest <= oldestTarget) return Number.POSITIVE_INFINITY;
    const pagesPerMs = this.#pages / Math.max(1, this.#newest - this.#oldest);
    return Math.ceil(pagesPerMs * (this.#oldest - oldestTarget));
  }
}
