import { describe, expect, test } from 'vitest';
import {
  canonicalDecimal,
  compareDecimals,
  decimalFromNumber,
  fitsDecimalPlaces,
  price,
} from '../../src/domain/money.js';

const defaultClamp = { minChargeUsd: '0.01', maxChargeUsd: '10.00' };

describe('price', () => {
  test.each([
    // [seconds, factors, costUsd, rawCostUsd] — ties and products that binary floating point gets wrong
    ['5', ['0.05', '1.0', '1.00', '1.3'], '0.33', '0.325'], // half-even would give 0.32
    ['10', ['0.05', '1.0', '1.15', '1.0'], '0.58', '0.575'], // Math.round(10 * 0.05 * 1.15 * 100) / 100 is 0.57
    ['3', ['0.05', '1.15'], '0.17', '0.1725'], // 0.05 * 3 * 1.15 is 0.17250000000000001 in floats
    ['1', ['0.125'], '0.13', '0.125'],
    ['3', ['0.05', '1.0', '1.15', '1.0', '3'], '0.52', '0.5175'],
    ['8', ['0.12', '1.0', '1.25', '1.8'], '2.16', '2.16'],
    ['5', ['0.12', '1.0', '1.00', '1.0'], '0.60', '0.6'],
  ] as const)('%s s × %j → %s', (seconds, factors, costUsd, rawCostUsd) => {
    const result = price({ seconds, factors, ...defaultClamp });
    expect(result.costUsd).toBe(costUsd);
    expect(result.rawCostUsd).toBe(rawCostUsd);
    expect(result.amountCents).toBe(Number(costUsd.replace('.', '')));
    expect(result.clamped).toBeNull();
  });

  test('bills a fractional duration in whole seconds, rounded up', () => {
    const result = price({ seconds: '7.3', factors: ['0.05'], ...defaultClamp });
    expect(result.billedSeconds).toBe(8);
    expect(result.costUsd).toBe('0.40');
    expect(price({ seconds: '7.0001', factors: ['1'], ...defaultClamp }).billedSeconds).toBe(8);
    expect(price({ seconds: '7', factors: ['1'], ...defaultClamp }).billedSeconds).toBe(7);
  });

  test('clamps after rounding, in cents', () => {
    // 0.0049 rounds to 0.00 → min; 0.005 rounds to 0.01 → not clamped
    expect(price({ seconds: '1', factors: ['0.0049'], ...defaultClamp })).toMatchObject({
      costUsd: '0.01',
      amountCents: 1,
      clamped: 'min',
      rawCostUsd: '0.0049',
    });
    expect(price({ seconds: '1', factors: ['0.005'], ...defaultClamp })).toMatchObject({
      costUsd: '0.01',
      clamped: null,
    });
    expect(price({ seconds: '60', factors: ['0.12', '2.5', '1.25', '1.8'], ...defaultClamp })).toMatchObject({
      costUsd: '10.00',
      amountCents: 1000,
      clamped: 'max',
      rawCostUsd: '40.5',
    });
    // 10.004 rounds to 10.00: equal to the maximum, so the clamp did not change it
    expect(price({ seconds: '1', factors: ['10.004'], ...defaultClamp }).clamped).toBeNull();
    expect(price({ seconds: '1', factors: ['10.005'], ...defaultClamp }).clamped).toBe('max');
    expect(price({ seconds: '1', factors: ['0'], minChargeUsd: '0', maxChargeUsd: '1' })).toMatchObject({
      costUsd: '0.00',
      amountCents: 0,
      clamped: null,
    });
  });
});

describe('decimal helpers', () => {
  test('decimalFromNumber gives the text a JSON number was written with', () => {
    expect(decimalFromNumber(0.05)).toBe('0.05');
    expect(decimalFromNumber(1.15)).toBe('1.15');
    expect(decimalFromNumber(1e-7)).toBe('0.0000001');
    expect(decimalFromNumber(1e21)).toBe('1000000000000000000000');
    expect(decimalFromNumber(5)).toBe('5');
    expect(() => decimalFromNumber(Number.NaN)).toThrow(RangeError);
  });

  test('canonicalDecimal, compareDecimals and fitsDecimalPlaces are exact', () => {
    expect(canonicalDecimal('05.500')).toBe('5.5');
    expect(canonicalDecimal('1.00')).toBe('1');
    expect(compareDecimals('0.1', '0.10')).toBe(0);
    expect(compareDecimals('10', '9.99999999999999999999')).toBe(1);
    expect(compareDecimals('4.9999999999999999999', '5')).toBe(-1);
    expect(fitsDecimalPlaces('0.10', 2)).toBe(true);
    expect(fitsDecimalPlaces('0.105', 2)).toBe(false);
    expect(fitsDecimalPlaces('5.0', 0)).toBe(true);
    expect(fitsDecimalPlaces('5.00000000000000000001', 0)).toBe(false);
  });
});
