import type { BillLine, Quote } from '../../src/domain/bill-line.js';
import type { NewJob } from '../../src/store/job.js';

// billing.md §8, first worked example: kling-v2-6, pro, 5 s, text only, audio on → 0.60.
export const sampleQuote: Quote = {
  model: 'kling-v2-6',
  mode: 'pro',
  inputType: 'text',
  requestedSeconds: '5',
  billedSeconds: 5,
  requestedResolution: '1080p',
  billedResolution: '720p',
  factors: { basePricePerSecond: '0.12', resolution: '1.0', input: '1.00', model: '1.0' },
  rawCostUsd: '0.6',
  costUsd: '0.60',
  amountCents: 60,
  clamped: null,
  rounding: 'half-up',
  currency: 'USD',
  rateCard: { version: 'portal-2026-11', sha256: 'a'.repeat(64) },
  audio: true,
};

/** Stand-ins for the domain's envelope and rate-card snapshot: the store keeps whatever JSON it is given. */
export function newJob(jobId: string, quote: Quote = sampleQuote): NewJob {
  return {
    jobId,
    model: quote.model,
    envelope: { model_name: quote.model, mode: quote.mode, duration: '5', prompt: 'a fox', sound: 'on' },
    rateCard: { version: quote.rateCard.version, basePricePerSecond: { std: '0.05', pro: '0.12' } },
    quote,
  };
}

export function billLineFor(jobId: string, overrides: Partial<BillLine> = {}): BillLine {
  return {
    ...sampleQuote,
    jobId,
    klingTaskId: '866889456698785798',
    createdAt: '2026-11-02T10:20:30.456Z',
    ...overrides,
  };
}

let counter = 0;
/** Job ids unique within a run, so suites sharing a database never collide. */
export function uniqueJobId(label: string): string {
  counter += 1;
  return `job-${label}-${process.pid}-${counter}`;
}
