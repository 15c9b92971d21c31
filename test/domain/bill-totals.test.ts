// Totals of a bill export (issue 17): per UTC day, per model and for the period, each per currency, equal to the
// sum of the lines to the cent — checked against an oracle that sums plain BigInt cents and formats them itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BillLine } from '../../src/domain/bill-line.js';
import { BillTotalsAccumulator, utcDay } from '../../src/domain/bill-totals.js';
import { billLineFor } from '../store/fixtures.js';

const dollars = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;

const arbitraryLine = fc
  .record({
    jobId: fc.uuid(),
    model: fc.constantFrom('kling-v2-6', 'kling-v3', 'kling-video-o1'),
    currency: fc.constantFrom('USD', 'EUR'),
    amountCents: fc.integer({ min: 0, max: 1_000 }),
    // Within three days, so several lines share a day.
    createdAt: fc
      .integer({ min: Date.UTC(2026, 10, 1), max: Date.UTC(2026, 10, 4) - 1 })
      .map((ms) => new Date(ms).toISOString()),
  })
  .map(({ amountCents, ...rest }): BillLine =>
    billLineFor(rest.jobId, { ...rest, amountCents, costUsd: dollars(BigInt(amountCents)) }),
  );

describe('bill totals', () => {
  it('equal the sums of the lines per day, model and currency, to the cent', () => {
    fc.assert(
      fc.property(fc.array(arbitraryLine, { maxLength: 60 }), (lines) => {
        const accumulator = new BillTotalsAccumulator();
        for (const line of lines) accumulator.add(line, null);
        const totals = accumulator.totals();
        const oracle = (keyOf: (line: BillLine) => string) => {
          const sums = new Map<string, { lines: number; cents: bigint }>();
          for (const line of lines) {
            const id = `${keyOf(line)} ${line.currency}`;
            const sum = sums.get(id) ?? { lines: 0, cents: 0n };
            sums.set(id, { lines: sum.lines + 1, cents: sum.cents + BigInt(line.amountCents) });
          }
          return Object.fromEntries(
            [...sums].map(([id, sum]) => [id, { ...sum, amount: dollars(sum.cents) }]),
          );
        };
        const actual = (rows: typeof totals.byDay) =>
          Object.fromEntries(
            rows.map((t) => [
              `${t.key} ${t.currency}`,
              { lines: t.lines, cents: t.amountCents, amount: t.amount },
            ]),
          );
        expect(actual(totals.byDay)).toStrictEqual(oracle((line) => line.createdAt.slice(0, 10)));
        expect(actual(totals.byModel)).toStrictEqual(oracle((line) => line.model));
        expect(actual(totals.all)).toStrictEqual(oracle(() => 'all'));
      }),
    );
  });

  it('never adds one currency to another', () => {
    const accumulator = new BillTotalsAccumulator();
    accumulator.add(billLineFor('a', { currency: 'USD', amountCents: 60 }), null);
    accumulator.add(billLineFor('b', { currency: 'EUR', amountCents: 55 }), null);
    expect(accumulator.totals().all.map((t) => [t.currency, t.amount])).toStrictEqual([
      ['EUR', '0.55'],
      ['USD', '0.60'],
    ]);
  });

  it("sums Kling's reported charges exactly, per kind and unit, and counts the lines Kling reported", () => {
    const accumulator = new BillTotalsAccumulator();
    const cash = (amount: string) => ({ charge_type: 'cash' as const, amount, currency: 'USD' });
    accumulator.add(billLineFor('a'), [
      cash('0.1'),
      { charge_type: 'unit', amount: '35', package_type: 'pack' },
    ]);
    accumulator.add(billLineFor('b'), [cash('0.2')]);
    accumulator.add(billLineFor('c'), null);
    const [all] = accumulator.totals().all;
    expect(all).toMatchObject({ lines: 3, klingLines: 2 });
    // 0.1 + 0.2 in floating point is 0.30000000000000004.
    expect(all?.klingCharged).toStrictEqual([
      { chargeType: 'cash', unit: 'USD', amount: '0.3' },
      { chargeType: 'unit', unit: 'pack', amount: '35' },
    ]);
  });

  it('counts days in UTC', () => {
    expect(utcDay('2026-11-01T23:59:59.999Z')).toBe('2026-11-01');
    expect(utcDay('2026-11-02T00:00:00.000Z')).toBe('2026-11-02');
  });
});
