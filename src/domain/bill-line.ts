import { z } from 'zod';
import { DecimalString, InputType, Mode, Resolution } from './terms.js';

/**
 * The bill line of billing.md §7: one per succeeded job, written once, keyed by job id.
 * Money fields are exact decimal strings or integer cents, never floats.
 */
export const BillLine = z.object({
  jobId: z.string().min(1),
  klingTaskId: z.string().min(1),
  /** The model as the model table names it: what its multiplier was looked up by. */
  model: z.string().min(1),
  /**
   * The name the request used, when it is another name of `model` (the new API's, e.g. `kling-3.0` for
   * `kling-v3`); absent when the request used `model` itself, and in lines from before aliases.
   */
  requestedModel: z.string().min(1).optional(),
  mode: Mode,
  inputType: InputType,
  /** The persisted requested duration, as given (may be fractional for models outside the table). */
  requestedSeconds: DecimalString,
  billedSeconds: z.number().int().positive(),
  requestedResolution: Resolution,
  billedResolution: Resolution,
  factors: z.object({
    basePricePerSecond: DecimalString,
    resolution: DecimalString,
    input: DecimalString,
    model: DecimalString,
  }),
  rawCostUsd: DecimalString,
  costUsd: z.string().regex(/^\d+\.\d{2}$/, 'expected dollars with exactly two decimals'),
  amountCents: z.number().int().nonnegative(),
  clamped: z.enum(['min', 'max']).nullable(),
  rounding: z.literal('half-up'),
  currency: z.string().length(3),
  rateCard: z.object({ version: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** Metadata only: audio does not change the price. */
  audio: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type BillLine = z.infer<typeof BillLine>;

/** The price quoted at acceptance: the bill line before there is a Kling task or a write time. */
export const Quote = BillLine.omit({ jobId: true, klingTaskId: true, createdAt: true });
export type Quote = z.infer<typeof Quote>;
