/**
 * Hints for one account's task sweep, gathered for a moment and sent as one signal. When many tasks end together
 * (a burst of jobs started at once), a signal per callback costs the sweep an event and often a workflow task each,
 * and makes it continue as new more often — and a signal that lands while the sweep continues as new fails that
 * workflow task, which is then retried by replaying the whole run: seconds in which no hint is looked at. A batch
 * costs one signal, and delays a hint by at most the window, which the sweep's own spacing of hinted looks
 * (src/workflows/task-sweep.ts) mostly swallows. Each hint's promise settles when its batch was sent, so the
 * receiver answers a callback only once its hint is with Temporal, and a failed send fails every hint it carried.
 */
export interface HintBatchesOptions {
  /** How long the first hint of a batch waits for others. */
  readonly windowMs: number;
  /** Job ids a batch holds at most: a full batch is sent at once. */
  readonly maxJobs: number;
  /** Sends one batch to the sweep of a task queue. */
  readonly send: (taskQueue: string, jobIds: readonly string[]) => Promise<void>;
}

interface Batch {
  readonly jobIds: Set<string>;
  readonly sent: Promise<void>;
  go(): void;
}

export class HintBatches {
  /** The batch still gathering, per task queue: at most one each, so this holds a batch per account at most. */
  readonly #open = new Map<string, Batch>();
  readonly #options: HintBatchesOptions;

  constructor(options: HintBatchesOptions) {
    this.#options = options;
  }

  /** Adds a hint to its queue's batch; settles when that batch was sent (or could not be). */
  add(taskQueue: string, jobId: string): Promise<void> {
    const batch = this.#open.get(taskQueue) ?? this.#start(taskQueue);
    batch.jobIds.add(jobId);
    if (batch.jobIds.size >= this.#options.maxJobs) batch.go();
    return batch.sent;
  }

  /** Hints gathered and not yet sent. */
  get pending(): number {
    let count = 0;
    for (const batch of this.#open.values()) count += batch.jobIds.size;
    return count;
  }

  #start(taskQueue: string): Batch {
    const jobIds = new Set<string>();
    let release!: () => void;
    const due = new Promise<void>((resolve) => (release = resolve));
    const go = (): void => {
      clearTimeout(timer);
      // Closed at once: a hint added from now on starts the queue's next batch, so none outgrows `maxJobs`.
      if (this.#open.get(taskQueue) === batch) this.#open.delete(taskQueue);
      release();
    };
    const timer = setTimeout(go, this.#options.windowMs);
    const batch: Batch = { jobIds, sent: due.then(() => this.#options.send(taskQueue, [...jobIds])), go };
    this.#open.set(taskQueue, batch);
    return batch;
  }
}
