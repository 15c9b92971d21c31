import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { distribution, percentile } from '../../bench/stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  test('of 1..100 the p-th percentile is p', () => {
    expect([1, 50, 95, 99, 100].map((p) => percentile(hundred, p))).toEqual([1, 50, 95, 99, 100]);
  });

  test('of a single sample, every percentile is that sample', () => {
    expect([0, 50, 99, 100].map((p) => percentile([7], p))).toEqual([7, 7, 7, 7]);
  });

  test('of no samples, an error', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
  });

  test('always a measured sample, with at least p % of the samples at or below it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1 }),
        fc.integer({ min: 1, max: 100 }),
        (samples, p) => {
          const sorted = [...samples].sort((a, b) => a - b);
          const value = percentile(sorted, p);
          expect(samples).toContain(value);
          expect(sorted.filter((s) => s <= value).length / sorted.length).toBeGreaterThanOrEqual(p / 100);
          // The next smaller sample would not be enough.
          expect(sorted.filter((s) => s < value).length / sorted.length).toBeLessThan(p / 100);
        },
      ),
    );
  });
});

describe('distribution', () => {
  test('order does not matter; mean and max of the samples', () => {
    expect(distribution([5, 1, 4, 2, 3])).toEqual({ count: 5, p50: 3, p95: 5, p99: 5, max: 5, mean: 3 });
  });
});
