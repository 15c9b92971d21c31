import { BillLine, type Quote } from './bill-line.js';
import type { RequestEnvelope } from './envelope.js';
import { price } from './money.js';
import type { RateCard, RateCardSnapshot } from './rate-card.js';

/**
 * Prices a persisted request with the card it was accepted under (billing.md §1–§5). Only the envelope and
 * the snapshot go in, so the same job always gets the same price, at acceptance and at billing.
 */
export function quoteRequest(envelope: RequestEnvelope, snapshot: RateCardSnapshot): Quote {
  const { card } = snapshot;
  const billedResolution = card.billedResolution === '720p' ? '720p' : envelope.requestedResolution;
  const factors = {
    basePricePerSecond: card.basePricePerSecond[envelope.mode],
    resolution: card.resolutionMultipliers[billedResolution],
    input: card.inputMultipliers[envelope.inputType],
    model: modelMultiplier(card, envelope.model),
  };
  const amount = price({
    seconds: envelope.requestedSeconds,
    factors: [factors.basePricePerSecond, factors.resolution, factors.input, factors.model],
    minChargeUsd: card.minChargeUsd,
    maxChargeUsd: card.maxChargeUsd,
  });
  return {
    model: envelope.model,
    ...(envelope.requestedModel === undefined ? {} : { requestedModel: envelope.requestedModel }),
    mode: envelope.mode,
    inputType: envelope.inputType,
    requestedSeconds: envelope.requestedSeconds,
    billedSeconds: amount.billedSeconds,
    requestedResolution: envelope.requestedResolution,
    billedResolution,
    factors,
    rawCostUsd: amount.rawCostUsd,
    costUsd: amount.costUsd,
    amountCents: amount.amountCents,
    clamped: amount.clamped,
    rounding: 'half-up',
    currency: card.currency,
    rateCard: { version: card.version, sha256: snapshot.sha256 },
    audio: envelope.audio,
  };
}

function modelMultiplier(card: RateCard, model: string): string {
  return Object.hasOwn(card.modelMultipliers, model)
    ? card.modelMultipliers[model]!
    : card.unknownModelMultiplier;
}

/** The bill line of a succeeded job: the quote it was accepted with, plus the ids and the write time. */
export function toBillLine(
  quote: Quote,
  ids: { jobId: string; klingTaskId: string; createdAt: string },
): BillLine {
  return BillLine.parse({ ...quote, ...ids });
}
