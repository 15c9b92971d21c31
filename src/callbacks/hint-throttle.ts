/**
 * How often one job's callbacks reach the task sweep: at most once per window. A callback inside the window is not
 * dropped: one more hint follows when the window ends, so a burst of made-up callbacks delays the genuine one by at
 * most a window, and costs the sweep one hint per window whatever its size. Entries live for their window only; the
 * table is bounded in bytes (job ids counted), the oldest entries going first when it is full. Replicas each keep
 * their own; the sweep looks at a job's own task whatever a hint says, so an extra hint costs a lookup, never a
 * wrong wake-up.
 */
export interface HintThrottleOptions {
  readonly windowMs: number;
  readonly maxBytes: number;
  /** Sends the hint that follows a window; its errors are the caller's to log. */
  readonly later: (jobId: string) => void;
  /** Monotonic milliseconds. */
  readonly now?: () => number;
}

interface Entry {
  readonly at: number;
  trailing: ReturnType<typeof setTimeout> | undefined;
}

/** A Map entry's own cost beyond the key's characters: an estimate, enough to bound the table. */
const ENTRY_OVERHEAD_BYTES = 96;

export class HintThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #options: HintThrottleOptions;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: HintThrottleOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** `now`: send the hint; `later`: one will be sent when this job's window ends. */
  offer(jobId: string): 'now' | 'later' {
    const now = this.#now();
    this.#expire(now);
    const entry = this.#entries.get(jobId);
    if (entry === undefined) {
      this.#add(jobId, now);
      return 'now';
    }
    entry.trailing ??= setTimeout(
      () => {
        this.#delete(jobId);
        this.#add(jobId, this.#now());
        this.#options.later(jobId);
      },
      Math.max(0, entry.at + this.#options.windowMs - now),
    ).unref();
    return 'later';
  }

  /** The hint did not go out (Temporal unreachable): the next callback for the job may try at once. */
  forget(jobId: string): void {
    this.#delete(jobId);
  }

  /** Drops every entry and pending hint (the receiver is closing). */
  clear(): void {
    for (const jobId of [...this.#entries.keys()]) this.#delete(jobId);
  }

  get bytes(): number {
    return this.#bytes;
  }

  #add(jobId: string, at: number): void {
    this.#entries.set(jobId, { at, trailing: undefined });
    this.#bytes += cost(jobId);
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.#options.maxBytes) break;
      this.#delete(oldest);
    }
  }

  #delete(jobId: string): void {
    const entry = this.#entries.get(jobId);
    if (entry === undefined) return;
    clearTimeout(entry.trailing);
    this.#entries.delete(jobId);
    this.#bytes -= cost(jobId);
  }

  /** Entries are in the order they were added, so the expired ones are at the front. */
  #expire(now: number): void {
    for (const [jobId, entry] of this.#entries) {
      if (entry.at + this.#options.windowMs > now) break;
      if (entry.trailing === undefined) this.#delete(jobId);
    }
  }
}

function cost(jobId: string): number {
  return 2 * jobId.length + ENTRY_OVERHEAD_BYTES;
}
