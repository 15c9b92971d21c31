import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BillLine, Quote } from '../../src/domain/bill-line.js';
import { normalizeRequest } from '../../src/domain/envelope.js';
import { quoteRequest, toBillLine } from '../../src/domain/pricing.js';
import { defaultRateCard, parseRateCard, snapshotRateCard } from '../../src/domain/rate-card.js';

const defaultSnapshot = snapshotRateCard(defaultRateCard);
const quote = (payload: unknown, snapshot = defaultSnapshot) =>
  quoteRequest(normalizeRequest(payload), snapshot);

async function example(name: string): Promise<unknown> {
  return JSON.parse(await readFile(join(import.meta.dirname, '../../examples', name), 'utf8'));
}

describe('quoteRequest, the worked examples of billing.md §8', () => {
  test('kling-v2-6 pro 5 s text with audio → 0.60, the whole line', async () => {
    expect(quote(await example('kling-v2-6-text-audio.json'))).toEqual({
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
      rateCard: { version: 'portal-2026-11', sha256: defaultSnapshot.sha256 },
      audio: true,
    });
  });

  test('kling-video-o1 pro 8 s image + video → 2.16', async () => {
    expect(quote(await example('kling-video-o1-image-video.json'))).toMatchObject({
      inputType: 'video',
      billedSeconds: 8,
      billedResolution: '720p',
      factors: { basePricePerSecond: '0.12', resolution: '1.0', input: '1.25', model: '1.8' },
      costUsd: '2.16',
      amountCents: 216,
    });
  });
});

describe('quoteRequest, where floating point goes wrong', () => {
  test('kling-v1-6 std 10 s, two images in image_list → 0.58 (floats give 0.57)', () => {
    const line = quote({
      model_name: 'kling-v1-6',
      prompt: 'p',
      mode: 'std',
      duration: 10,
      image_list: ['a', 'b'],
    });
    expect(line).toMatchObject({
      inputType: 'multi-image',
      rawCostUsd: '0.575',
      costUsd: '0.58',
      amountCents: 58,
    });
  });

  test('kling-v3 std 5 s text → 0.33 (half-even gives 0.32)', () => {
    const line = quote({ model_name: 'kling-v3', prompt: 'p', mode: 'std', duration: 5 });
    expect(line).toMatchObject({ rawCostUsd: '0.325', costUsd: '0.33', amountCents: 33 });
  });

  test('kling-v3 std 10 s start + end frame → 0.75 (multi-image, half-up at 0.7475)', () => {
    const line = quote({
      model_name: 'kling-v3',
      mode: 'std',
      duration: '10',
      image: 'a',
      image_tail: 'b',
    });
    expect(line).toMatchObject({ inputType: 'multi-image', rawCostUsd: '0.7475', costUsd: '0.75' });
  });
});

describe('quoteRequest, the other rules', () => {
  test('the 720p tier is billed whatever the requested resolution, unless the card says "requested"', () => {
    const payload = { model_name: 'kling-v3', prompt: 'p', mode: 'pro', duration: 10, resolution: '4k' };
    expect(quote(payload)).toMatchObject({
      requestedResolution: '4k',
      billedResolution: '720p',
      rawCostUsd: '1.56',
      costUsd: '1.56',
    });
    const requested = snapshotRateCard(parseRateCard({ billedResolution: 'requested' }));
    expect(quote(payload, requested)).toMatchObject({
      requestedResolution: '4k',
      billedResolution: '4k',
      factors: { resolution: '2.5' },
      rawCostUsd: '3.9',
      costUsd: '3.90',
    });
    expect(quote({ model_name: 'kling-v2-6', prompt: 'p', mode: 'pro' }, requested)).toMatchObject({
      billedResolution: '1080p',
      costUsd: '0.90',
    });
  });

  test('a model outside the table: the unknown multiplier and a fractional duration billed rounded up', () => {
    const card = snapshotRateCard(parseRateCard({ unknownModelMultiplier: '2' }));
    expect(quote({ model_name: 'acme-video', prompt: 'p', duration: 7.3 }, card)).toMatchObject({
      requestedSeconds: '7.3',
      billedSeconds: 8,
      factors: { model: '2' },
      costUsd: '0.80',
    });
    // kling-v3-omni is not in the default model table, so it takes the unknown multiplier
    expect(quote({ model_name: 'kling-v3-omni', prompt: 'p' }).factors.model).toBe('1.0');
  });

  test('a video extension bills 5 s of video; no duration bills 5 s', () => {
    expect(quote({ model_name: 'kling-v1-6', video_id: 'v' })).toMatchObject({
      inputType: 'video',
      billedSeconds: 5,
      rawCostUsd: '0.3125',
      costUsd: '0.31',
    });
    expect(quote({ model_name: 'kling-v2-5-turbo', prompt: 'p' })).toMatchObject({
      billedSeconds: 5,
      costUsd: '0.25',
    });
  });

  test('the clamp applies in cents and is recorded', () => {
    const cheap = snapshotRateCard(
      parseRateCard({ basePricePerSecond: { std: '0.0001' }, minChargeUsd: '0.05' }),
    );
    expect(quote({ model_name: 'kling-v3', prompt: 'p', duration: 3 }, cheap)).toMatchObject({
      rawCostUsd: '0.00039',
      costUsd: '0.05',
      amountCents: 5,
      clamped: 'min',
    });
    expect(
      quote({ model_name: 'acme-video', prompt: 'p', mode: 'pro', duration: 60, image: 'i', video: 'v' }),
    ).toMatchObject({
      rawCostUsd: '9',
      clamped: null,
    });
    const dear = snapshotRateCard(parseRateCard({ unknownModelMultiplier: '3' }));
    expect(quote({ model_name: 'acme-video', prompt: 'p', mode: 'pro', duration: 60 }, dear)).toMatchObject({
      rawCostUsd: '21.6',
      costUsd: '10.00',
      amountCents: 1000,
      clamped: 'max',
    });
  });

  test('the quote satisfies the Quote schema', () => {
    const line = quote({ model_name: 'kling-video-o1', prompt: 'p', duration: 5 });
    expect(Quote.parse(line)).toEqual(line);
  });
});

describe('toBillLine', () => {
  test('adds the job id, the Kling task id and the write time to the quote', () => {
    const line = quote({ model_name: 'kling-v3', prompt: 'p' });
    const ids = {
      jobId: 'job-8812',
      klingTaskId: '866889456698785798',
      createdAt: '2026-11-02T10:00:00.000Z',
    };
    const bill = toBillLine(line, ids);
    expect(bill).toEqual({ ...line, ...ids });
    expect(BillLine.parse(bill)).toEqual(bill);
  });

  test('refuses a line without ids or with a bad timestamp', () => {
    const line = quote({ model_name: 'kling-v3', prompt: 'p' });
    expect(() =>
      toBillLine(line, { jobId: '', klingTaskId: 't', createdAt: '2026-11-02T10:00:00Z' }),
    ).toThrow();
    expect(() => toBillLine(line, { jobId: 'j', klingTaskId: 't', createdAt: 'yesterday' })).toThrow();
  });
});
