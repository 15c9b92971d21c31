import type { BillLine } from './bill-line.js';
import { chargeUnit, type KlingBilling, type KlingCharge } from './kling-billing.js';
import { addDecimals, centsToDecimal } from './money.js';

// Totals of a bill export, per UTC day and per model, each per currency (a card in another currency must never be
// added to dollars). Our amounts are summed in integer cents (BigInt: no float, no overflow); Kling's reported
// charges, which are decimals in units of their own, are summed exactly per unit by the money module.

export interface Total {
  /** `YYYY-MM-DD` (UTC) for a day, the model name for a model, `all` for the whole period. */
  readonly key: string;
  readonly currency: string;
  readonly lines: number;
  readonly amountCents: bigint;
  /** Two decimals, e.g. `"12.30"`. */
  readonly amount: string;
  /** Lines for which Kling reported a charge. */
  readonly klingLines: number;
  /** Kling's reported charges summed per kind and unit, e.g. `{ chargeType: 'cash', unit: 'USD', amount: '12.3' }`. */
  readonly klingCharged: readonly KlingChargeSum[];
}

export interface KlingChargeSum {
  readonly chargeType: KlingCharge['charge_type'];
  /** The currency of a `cash` charge, the package of a `unit` charge. */
  readonly unit: string;
  readonly amount: string;
}

export interface BillTotals {
  readonly byDay: readonly Total[];
  readonly byModel: readonly Total[];
  readonly all: readonly Total[];
}

interface Sum {
  lines: number;
  cents: bigint;
  klingLines: number;
  kling: Map<string, KlingChargeSum>;
}

/** The UTC day of an ISO-8601 instant such as a bill line's `createdAt`. */
export function utcDay(instant: string): string {
  return new Date(instant).toISOString().slice(0, 10);
}

export class BillTotalsAccumulator {
  // Keyed by `${key}\u0000${currency}`; a period has few days, models and currencies, so these stay small.
  private readonly days = new Map<string, Sum>();
  private readonly models = new Map<string, Sum>();
  private readonly everything = new Map<string, Sum>();

  add(line: BillLine, klingBilling: KlingBilling | null): void {
    const day = utcDay(line.createdAt);
    for (const [groups, key] of [
      [this.days, day],
      [this.models, line.model],
      [this.everything, 'all'],
    ] as const) {
      const id = `${key}\u0000${line.currency}`;
      let sum = groups.get(id);
      if (sum === undefined) {
        sum = { lines: 0, cents: 0n, klingLines: 0, kling: new Map() };
        groups.set(id, sum);
      }
      sum.lines += 1;
      sum.cents += BigInt(line.amountCents);
      if (klingBilling === null) continue;
      sum.klingLines += 1;
      for (const charge of klingBilling) {
        const unit = chargeUnit(charge);
        const id = `${charge.charge_type} ${unit}`;
        const amount = addDecimals(sum.kling.get(id)?.amount ?? '0', charge.amount);
        sum.kling.set(id, { chargeType: charge.charge_type, unit, amount });
      }
    }
  }

  totals(): BillTotals {
    return { byDay: rows(this.days), byModel: rows(this.models), all: rows(this.everything) };
  }
}

function rows(groups: ReadonlyMap<string, Sum>): Total[] {
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, sum]) => {
      const [key = '', currency = ''] = id.split('\u0000');
      return {
        key,
        currency,
        lines: sum.lines,
        amountCents: sum.cents,
        amount: centsToDecimal(sum.cents),
        klingLines: sum.klingLines,
        klingCharged: [...sum.kling]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([, charge]) => charge),
      };
    });
}
