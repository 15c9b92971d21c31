// What the frozen designs' activities need, as src/activities/deps.ts had it before issue 15 (the account
// slots left out: the benchmark lifts Kling's account limit). Frozen on purpose, like the rest of this folder:
// the alternatives keep measuring the same code whatever production becomes.
import type { RateCardSnapshot } from '../../src/domain/rate-card.js';
import type { KlingClient } from '../../src/kling/client.js';
import type { JobStore } from '../../src/store/job-store.js';

/** How a job waits on Kling; worker configuration, handed to the workflow by `acceptJob`. */
export interface WaitPolicy {
  readonly pollIntervalMs: number;
  readonly budgetMs: number;
  /** Jobs send Kling a `callback_url`; polling (at `pollIntervalMs`) is then only the fallback. */
  readonly callbacks?: true;
}

export interface AlternativeDeps {
  readonly store: JobStore;
  readonly kling: KlingClient;
  readonly rateCard: RateCardSnapshot;
  readonly wait: WaitPolicy;
  readonly now: () => Date;
  readonly callbackUrl?: (jobId: string) => string;
}
