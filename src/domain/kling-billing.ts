import { z } from 'zod';
import { decimalFromNumber, plainDecimalPattern } from './money.js';

// What Kling's new API reports it charged for a task (kling-api.md, "New design standard"): `billing[]` of
// `{charge_type: "unit"|"cash", amount, currency|package_type, list_price}`. It never prices anything (the
// persisted request does, billing.md); it is kept so a bill export can show Kling's charge beside ours. It comes
// from outside, so it is bounded before it is written: a few entries, short strings, plain decimals.

/** Entries per task: Kling reports one charge per kind; anything near this is not a billing report. */
export const MAX_KLING_CHARGES = 8;
const MAX_DECIMAL_LENGTH = 32;

/** A non-negative amount as Kling sent it (a JSON number or a decimal string), kept as an exact decimal string. */
const Amount = z
  .union([
    z.number().nonnegative().finite().transform(decimalFromNumber),
    z.string().regex(plainDecimalPattern, 'expected a non-negative decimal, e.g. "0.60"'),
  ])
  .pipe(z.string().max(MAX_DECIMAL_LENGTH, `expected at most ${MAX_DECIMAL_LENGTH} characters`));

/** A currency code or a resource-package name: printable, short, no control characters. */
const Unit = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w .:/-]+$/, 'expected letters, digits, spaces and . : / - _ only');

export const KlingCharge = z
  .object({
    charge_type: z.enum(['unit', 'cash']),
    amount: Amount,
    /** For `cash`: the currency of `amount`. */
    currency: Unit.optional(),
    /** For `unit`: the resource package the units came from. */
    package_type: Unit.optional(),
    list_price: Amount.optional(),
  })
  .refine((charge) => charge.currency !== undefined || charge.package_type !== undefined, {
    message: 'expected a currency or a package_type saying what the amount counts',
  });
export type KlingCharge = z.infer<typeof KlingCharge>;

export const KlingBilling = z.array(KlingCharge).max(MAX_KLING_CHARGES);
export type KlingBilling = z.infer<typeof KlingBilling>;

/** What a charge's amount counts: the currency of a cash charge, the package of a unit charge. */
export function chargeUnit(charge: KlingCharge): string {
  return charge.currency ?? charge.package_type ?? '';
}
