// How a job worker hands out its workflow-task slots, and how many jobs it keeps in memory.
//
// A job has two workflow tasks, and both hold their slot while their local activities run (accept and the Kling
// create; the confirming query and the bill). Under a burst (10,000 jobs started at once) the first kind — new
// jobs, polled from the task queue — is a backlog of thousands, while the second kind — jobs whose video is
// ready, their customers waiting — arrives on the worker's sticky queue. With the SDK's one pool of 40 slots the
// new jobs fill it: a woken job's task waits on the sticky queue until its 10 s schedule-to-start timeout, is moved
// to the task queue behind the whole backlog, and finishes minutes late (measured at 10,000 jobs: p99 300 s; with
// all three changes here 27 s, bench/README.md). So the slots are split: tasks from the sticky queue (jobs already
// in memory) have a pool of their own, and new jobs take at most a few slots at a time; a new job waits, a job whose
// video is ready does not.
// The cache holds every job in flight, so a woken job is on the sticky queue: a job waiting costs ~50 KB of memory
// (measured with 10,000 cached), far below the SDK's heap-based default, which assumes heavy workflows (~2,300).
// And a woken job waits on the sticky queue up to a minute rather than 10 s before it is sent to the task queue:
// when this worker is busy closing a wave of jobs, the back of the task queue is the worst place for one.
import type { CustomSlotSupplier, SlotPermit, WorkerOptions, WorkflowSlotInfo } from '@temporalio/worker';

/** Slots for workflow tasks polled from the sticky queue: jobs in this worker's memory, woken or checking. */
export const STICKY_SLOTS = 32;
/** Slots for workflow tasks polled from the task queue: new jobs, and jobs this worker does not hold. */
export const QUEUE_SLOTS = 8;
/** Jobs kept in memory (the workflow cache): a burst of this many in flight never replays a history to wake one. */
export const DEFAULT_MAX_CACHED_JOBS = 20_000;
/**
 * How long a task waits for this worker on its sticky queue before the task queue gets it (the SDK's default is 10 s).
 * Mostly only a busy worker makes it wait: the server sends a new task to the task queue at once when the sticky
 * queue had no poll for 10 s (its fixed sticky-poller window). A job woken in the first 10 s after its worker died
 * waits this minute instead of 10 s, once.
 */
export const STICKY_SCHEDULE_TO_START_MS = 60_000;
/** The SDK's defaults for activities, kept: the tuner replaces its max-concurrent options all together. */
const ACTIVITY_SLOTS = 100;
const LOCAL_ACTIVITY_SLOTS = 100;

export interface JobWorkerTuning {
  readonly maxCachedJobs?: number;
  /** Normal activities at once (the SDK's maxConcurrentActivityTaskExecutions). */
  readonly activitySlots?: number;
}

export function jobWorkerOptions(
  tuning: JobWorkerTuning = {},
): Pick<WorkerOptions, 'tuner' | 'maxCachedWorkflows' | 'stickyQueueScheduleToStartTimeout'> {
  const slots = new SplitWorkflowSlots({ sticky: STICKY_SLOTS, queue: QUEUE_SLOTS });
  return {
    // At least every slot: the SDK refuses a cache smaller than the workflow tasks it may run at once.
    maxCachedWorkflows: Math.max(tuning.maxCachedJobs ?? DEFAULT_MAX_CACHED_JOBS, STICKY_SLOTS + QUEUE_SLOTS),
    stickyQueueScheduleToStartTimeout: STICKY_SCHEDULE_TO_START_MS,
    tuner: {
      workflowTaskSlotSupplier: slots.supplier(),
      activityTaskSlotSupplier: { type: 'fixed-size', numSlots: tuning.activitySlots ?? ACTIVITY_SLOTS },
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: LOCAL_ACTIVITY_SLOTS },
      nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
    },
  };
}

interface Permit extends SlotPermit {
  readonly sticky: boolean;
}

/** Two fixed pools of workflow-task slots, chosen by whether the poll is a sticky one. */
export class SplitWorkflowSlots {
  readonly #pools: Record<'sticky' | 'queue', Pool>;

  constructor(sizes: { sticky: number; queue: number }) {
    this.#pools = { sticky: new Pool(sizes.sticky), queue: new Pool(sizes.queue) };
  }

  /** In use, per pool (for tests and metrics). */
  get used(): { sticky: number; queue: number } {
    return { sticky: this.#pools.sticky.used, queue: this.#pools.queue.used };
  }

  supplier(): CustomSlotSupplier<WorkflowSlotInfo> {
    const pool = (sticky: boolean) => (sticky ? this.#pools.sticky : this.#pools.queue);
    return {
      type: 'custom',
      reserveSlot: async (ctx, abortSignal): Promise<Permit> => {
        await pool(ctx.isSticky).acquire(abortSignal);
        return { sticky: ctx.isSticky };
      },
      // Eager workflow tasks (a start answered with its first task) are new jobs: the task queue's pool.
      tryReserveSlot: (ctx): Permit | null =>
        pool(ctx.isSticky).tryAcquire() ? { sticky: ctx.isSticky } : null,
      markSlotUsed: () => undefined,
      releaseSlot: (ctx) => {
        pool((ctx.permit as Permit).sticky).release();
      },
    };
  }
}

class Pool {
  #used = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  get used(): number {
    return this.#used;
  }

  tryAcquire(): boolean {
    if (this.#used >= this.size) return false;
    this.#used++;
    return true;
  }

  acquire(abortSignal: AbortSignal): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const granted = () => {
        abortSignal.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = () => {
        const at = this.#waiting.indexOf(granted);
        if (at >= 0) this.#waiting.splice(at, 1);
        // The SDK logs any other error than the signal's own reason.
        reject(abortSignal.reason as Error);
      };
      if (abortSignal.aborted) return aborted();
      abortSignal.addEventListener('abort', aborted, { once: true });
      this.#waiting.push(granted);
    });
  }

  release(): void {
    const next = this.#waiting.shift();
    // Handed straight to the next waiter: the slot stays in use.
    if (next !== undefined) next();
    else this.#used = Math.max(0, this.#used - 1);
  }
}
