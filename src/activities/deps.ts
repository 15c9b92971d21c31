import type { RateCardSnapshot } from '../domain/rate-card.js';
import type { KlingClient } from '../kling/client.js';
import type { JobStore } from '../store/job-store.js';

/** How long and how often a job waits on Kling; worker configuration, handed to the workflow by `acceptJob`. */
export interface WaitPolicy {
  readonly pollIntervalMs: number;
  readonly budgetMs: number;
}

/** The ports and settings the activities use. Built once per worker process. */
export interface ActivityDeps {
  readonly store: JobStore;
  readonly kling: KlingClient;
  /** The rate card in force when a job is accepted; each job keeps its own snapshot afterwards. */
  readonly rateCard: RateCardSnapshot;
  readonly wait: WaitPolicy;
  readonly now: () => Date;
}
