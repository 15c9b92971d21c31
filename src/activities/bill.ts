import { ApplicationFailure } from '@temporalio/common';
import type { BillLine } from '../domain/bill-line.js';
import { RequestEnvelope } from '../domain/envelope.js';
import { quoteRequest, toBillLine } from '../domain/pricing.js';
import { RateCardSnapshot } from '../domain/rate-card.js';
import type { ActivityDeps } from './deps.js';

/**
 * Step 4: price the job from what was persisted at acceptance — its request envelope and its rate-card snapshot
 * — and write the bill line once. Nothing Kling reported reaches the price. A retry returns the stored line.
 */
export function billJob(deps: ActivityDeps) {
  return async ({ jobId }: { jobId: string }): Promise<BillLine> => {
    const existing = await deps.store.getBillLine(jobId);
    if (existing !== undefined) return existing;
    const job = await deps.store.getJob(jobId);
    if (job?.klingTaskId == null) {
      throw ApplicationFailure.nonRetryable(`Job ${jobId} has no Kling task to bill.`, 'JobNotBillable');
    }
    const quote = quoteRequest(RequestEnvelope.parse(job.envelope), RateCardSnapshot.parse(job.rateCard));
    const line = toBillLine(quote, {
      jobId,
      klingTaskId: job.klingTaskId,
      createdAt: deps.now().toISOString(),
    });
    const { line: stored } = await deps.store.insertBillLine(line);
    return stored;
  };
}
