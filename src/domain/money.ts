// The one module that does decimal arithmetic (billing.md §1). Every other module handles amounts as
// decimal strings and asks this one to compare, normalize or multiply them, so no JavaScript `number`
// multiplication can reach a price.
import Big from 'big.js';

// A private constructor: big.js keeps its settings per constructor, so nothing else in the process can
// change how we round. Every rounding below also names its mode, and every output uses `toFixed`, which
// never prints an exponent.
const Decimal = Big();
Decimal.RM = Big.roundHalfUp;

/** Non-negative decimal notation as accepted from payloads and rate cards: digits, optional fraction. */
export const plainDecimalPattern = /^\d+(\.\d+)?$/;

/**
 * The decimal text of a JSON number, e.g. `0.05` → `"0.05"`, `1e-7` → `"0.0000001"`. It takes the shortest
 * text that reads back as the same double, which is the text the JSON document held whenever that text had
 * at most 15 significant digits.
 */
export function decimalFromNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return new Decimal(value).toFixed();
}

/** The shortest text of a decimal's value: `"05.50"` → `"5.5"`, `"1.00"` → `"1"`. */
export function canonicalDecimal(value: string): string {
  return new Decimal(value).toFixed();
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  return new Decimal(a).cmp(b);
}

/** Whether `value` needs no more than `places` decimal places: `("0.10", 2)` → true, `("7.3", 0)` → false. */
export function fitsDecimalPlaces(value: string, places: number): boolean {
  const decimal = new Decimal(value);
  return decimal.eq(decimal.round(places, Big.roundDown));
}

/** Whole seconds, rounded up: what is billed of a requested duration, and what Kling is sent (`"7.3"` → `"8"`). */
export function wholeSecondsUp(seconds: string): string {
  return new Decimal(seconds).round(0, Big.roundUp).toFixed();
}

export interface PriceInput {
  /** The requested duration as a decimal string; it is billed in whole seconds, rounded up. */
  readonly seconds: string;
  /** The rate-card factors, multiplied exactly: base price per second and the multipliers. */
  readonly factors: readonly string[];
  readonly minChargeUsd: string;
  readonly maxChargeUsd: string;
}

export interface Price {
  readonly billedSeconds: number;
  /** The exact product, unrounded. */
  readonly rawCostUsd: string;
  /** Rounded half-up once to cents, then clamped; always two decimals. */
  readonly costUsd: string;
  readonly amountCents: number;
  readonly clamped: 'min' | 'max' | null;
}

/** billing.md §1: exact product, rounded half-up once to cents, then clamped in cents. */
export function price(input: PriceInput): Price {
  const billedSeconds = new Decimal(wholeSecondsUp(input.seconds));
  const raw = input.factors.reduce((product, factor) => product.times(factor), billedSeconds);
  const rounded = raw.round(2, Big.roundHalfUp);
  const min = new Decimal(input.minChargeUsd);
  const max = new Decimal(input.maxChargeUsd);
  const clamped = rounded.lt(min) ? 'min' : rounded.gt(max) ? 'max' : null;
  const final = clamped === 'min' ? min : clamped === 'max' ? max : rounded;
  return {
    billedSeconds: Number(billedSeconds.toFixed()),
    rawCostUsd: raw.toFixed(),
    costUsd: final.toFixed(2),
    amountCents: Number(final.times(100).toFixed(0)),
    clamped,
  };
}

/** The exact sum of two decimal strings, in its shortest text: `("0.60", "1.4")` → `"2"`. */
export function addDecimals(a: string, b: string): string {
  return new Decimal(a).plus(b).toFixed();
}

/** Integer cents as dollars with exactly two decimals: `1234n` → `"12.34"`, `-5n` → `"-0.05"`. */
export function centsToDecimal(cents: bigint): string {
  return new Decimal(cents.toString()).div(100).toFixed(2);
}
