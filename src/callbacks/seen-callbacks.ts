/**
 * Callbacks this receiver already delivered, so Kling's retries of one callback do not each become a signal (each
 * signal is an event in the job's history). Bounded: the oldest entries go first. Replicas each keep their own;
 * the workflow de-duplicates too.
 */
export class SeenCallbacks {
  readonly #keys = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  add(key: string): void {
    this.#keys.add(key);
    if (this.#keys.size <= this.#capacity) return;
    const oldest = this.#keys.values().next();
    if (oldest.done !== true) this.#keys.delete(oldest.value);
  }
}
