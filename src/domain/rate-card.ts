import { z } from 'zod';
import { rateCardLimitIssues } from './input-limits.js';
import { formatIssues, issuesFromZod, type Issue } from './issues.js';
import {
  canonicalDecimal,
  compareDecimals,
  decimalFromNumber,
  fitsDecimalPlaces,
  plainDecimalPattern,
} from './money.js';
import { canonicalModel } from './models.js';
import { sha256Hex } from './sha256.js';

/**
 * A non-negative decimal, written as a string (preferred) or a JSON number. A string is kept as written, so a
 * bill line shows the factor exactly as the card has it (`"1.00"`); a number becomes its decimal text.
 */
const factorMessage = 'expected a non-negative decimal, preferably as a string, e.g. "0.12"';
const Factor = z.union(
  [z.string().regex(plainDecimalPattern, factorMessage), z.number().finite().nonnegative()],
  {
    error: factorMessage,
  },
);
// zod still runs later checks after a failed regex, so checks that do arithmetic look first.
const isDecimal = (value: unknown): value is string =>
  typeof value === 'string' && plainDecimalPattern.test(value);
const factor = (fallback: string) =>
  Factor.transform((value) => (typeof value === 'number' ? decimalFromNumber(value) : value)).default(
    fallback,
  );
const charge = (fallback: string) =>
  factor(fallback).refine(
    (value) => !isDecimal(value) || fitsDecimalPlaces(value, 2),
    'expected whole cents, e.g. "0.01"',
  );

const defaultModelMultipliers: Readonly<Record<string, string>> = {
  'kling-v2-5-turbo': '1.0',
  'kling-v1-6': '1.0',
  'kling-v2-6': '1.0',
  'kling-v3': '1.3',
  'kling-video-o1': '1.8',
};

const tables = {
  basePricePerSecond: z.strictObject({ std: factor('0.05'), pro: factor('0.12') }),
  resolutionMultipliers: z.strictObject({
    '480p': factor('0.8'),
    '720p': factor('1.0'),
    '1080p': factor('1.5'),
    '4k': factor('2.5'),
  }),
  inputMultipliers: z.strictObject({
    text: factor('1.00'),
    image: factor('1.00'),
    'multi-image': factor('1.15'),
    video: factor('1.25'),
    chisel: factor('1.10'),
  }),
};

/**
 * The rate card of billing.md §6. Every key may be left out to take its default (the portal's card of §2);
 * `modelMultipliers` entries are laid over the default entries, so a card can change one model's multiplier.
 * Unknown keys are errors: a misspelt key would otherwise silently bill the default.
 */
export const RateCard = z
  .strictObject({
    version: z.string().min(1).default('portal-2026-11'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code, e.g. "USD"')
      .default('USD'),
    basePricePerSecond: tables.basePricePerSecond.prefault({}),
    resolutionMultipliers: tables.resolutionMultipliers.prefault({}),
    inputMultipliers: tables.inputMultipliers.prefault({}),
    modelMultipliers: z
      .record(z.string().min(1), factor('1.0'))
      .prefault({})
      .transform((overrides) => ({ ...defaultModelMultipliers, ...overrides })),
    unknownModelMultiplier: factor('1.0'),
    minChargeUsd: charge('0.01'),
    maxChargeUsd: charge('10.00'),
    /** billing.md §3: `720p` mirrors the portal, which bills every job at the 720p tier. */
    billedResolution: z.enum(['720p', 'requested']).default('720p'),
  })
  .refine(
    ({ minChargeUsd: min, maxChargeUsd: max }) =>
      !isDecimal(min) || !isDecimal(max) || compareDecimals(min, max) <= 0,
    {
      path: ['maxChargeUsd'],
      message: 'must not be less than minChargeUsd',
    },
  );
export type RateCard = z.infer<typeof RateCard>;

export const defaultRateCard: RateCard = RateCard.parse({});

const allowedKeys: Record<string, readonly string[]> = {
  '': Object.keys(defaultRateCard),
  ...Object.fromEntries(Object.entries(tables).map(([name, table]) => [name, Object.keys(table.shape)])),
};

export class InvalidRateCardError extends Error {
  override readonly name = 'InvalidRateCardError';
  constructor(
    readonly issues: Issue[],
    /** Where the card came from, e.g. its file path. */
    source?: string,
  ) {
    super(`invalid rate card${source === undefined ? '' : ` ${source}`}:\n${formatIssues(issues)}`);
  }
}

/**
 * A card as an operator writes it. A model's multiplier is keyed by the model table's name: either name of a model
 * bills with it (billing.md §2), so an entry under the other name (`kling-3.0`) would never be read — refused with
 * the name to use. Only here, not in `RateCard`: cards persisted with jobs are read back as they were accepted.
 */
const OperatorRateCard = RateCard.superRefine((card, ctx) => {
  for (const model of Object.keys(card.modelMultipliers)) {
    const canonical = canonicalModel(model);
    if (canonical === model) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['modelMultipliers', model],
      message: `${model} is another name of ${canonical}; set "${canonical}" (both names bill with its multiplier)`,
    });
  }
});

/** A card as it is loaded: its schema, then the limits that keep every amount and text storable (issue 13). */
export function parseRateCard(json: unknown): RateCard {
  const parsed = OperatorRateCard.safeParse(json);
  if (!parsed.success) throw new InvalidRateCardError(issuesFromZod(parsed.error, allowedKeys));
  const limits = rateCardLimitIssues(parsed.data);
  if (limits.length > 0) throw new InvalidRateCardError(limits);
  return parsed.data;
}

/** The card a job was accepted with, persisted with the job, and the SHA-256 of its canonical JSON. */
export const RateCardSnapshot = z.object({
  card: RateCard,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256'),
});
export type RateCardSnapshot = z.infer<typeof RateCardSnapshot>;

export function snapshotRateCard(card: RateCard): RateCardSnapshot {
  return { card, sha256: sha256Hex(canonicalJson(card)) };
}

/**
 * Sorted keys and decimals in their shortest form, so two cards that price every job alike hash alike
 * whatever their key order or spelling of a number (`"1.0"`, `"1.00"`, `1`).
 */
export function canonicalJson(card: RateCard): string {
  const decimals = (table: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(table).map(([key, value]) => [key, canonicalDecimal(value)]));
  return stringifySorted({
    ...card,
    basePricePerSecond: decimals(card.basePricePerSecond),
    resolutionMultipliers: decimals(card.resolutionMultipliers),
    inputMultipliers: decimals(card.inputMultipliers),
    modelMultipliers: decimals(card.modelMultipliers),
    unknownModelMultiplier: canonicalDecimal(card.unknownModelMultiplier),
    minChargeUsd: canonicalDecimal(card.minChargeUsd),
    maxChargeUsd: canonicalDecimal(card.maxChargeUsd),
  });
}

function stringifySorted(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifySorted).join(',')}]`;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stringifySorted(item)}`).join(',')}}`;
}
