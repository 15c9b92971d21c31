import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  canonicalJson,
  defaultRateCard,
  InvalidRateCardError,
  parseRateCard,
  RateCardSnapshot,
  snapshotRateCard,
} from '../../src/domain/rate-card.js';
import { loadRateCardFile } from '../../src/rate-card-file.js';

/** The card of billing.md §6, verbatim. */
const documentedCard = {
  version: 'portal-2026-11',
  currency: 'USD',
  basePricePerSecond: { std: '0.05', pro: '0.12' },
  resolutionMultipliers: { '480p': '0.8', '720p': '1.0', '1080p': '1.5', '4k': '2.5' },
  inputMultipliers: { text: '1.00', image: '1.00', 'multi-image': '1.15', video: '1.25', chisel: '1.10' },
  modelMultipliers: {
    'kling-v2-5-turbo': '1.0',
    'kling-v1-6': '1.0',
    'kling-v2-6': '1.0',
    'kling-v3': '1.3',
    'kling-video-o1': '1.8',
  },
  unknownModelMultiplier: '1.0',
  minChargeUsd: '0.01',
  maxChargeUsd: '10.00',
  billedResolution: '720p',
};

function issuesOf(json: unknown): { path: string; message: string }[] {
  try {
    parseRateCard(json);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRateCardError);
    return (error as InvalidRateCardError).issues;
  }
  throw new Error('expected the card to be rejected');
}

describe('parseRateCard', () => {
  test('the default card is the documented card, and an empty card takes every default', () => {
    expect(defaultRateCard).toEqual(documentedCard);
    expect(parseRateCard({})).toEqual(documentedCard);
    expect(parseRateCard(documentedCard)).toEqual(documentedCard);
  });

  test('a partial card keeps the defaults of the keys it leaves out, nested ones included', () => {
    const card = parseRateCard({
      basePricePerSecond: { pro: '0.20' },
      modelMultipliers: { 'kling-v3': '1.4', 'acme-video': '2' },
      billedResolution: 'requested',
    });
    expect(card.basePricePerSecond).toEqual({ std: '0.05', pro: '0.20' });
    expect(card.modelMultipliers).toEqual({
      ...documentedCard.modelMultipliers,
      'kling-v3': '1.4',
      'acme-video': '2',
    });
    expect(card.billedResolution).toBe('requested');
    expect(card.inputMultipliers).toEqual(documentedCard.inputMultipliers);
  });

  test('decimals may be JSON numbers; strings are kept as written', () => {
    const card = parseRateCard({
      basePricePerSecond: { std: 0.06, pro: '0.120' },
      unknownModelMultiplier: 1,
    });
    expect(card.basePricePerSecond).toEqual({ std: '0.06', pro: '0.120' });
    expect(card.unknownModelMultiplier).toBe('1');
  });

  test('the parsed card parses to itself (it is persisted and read back)', () => {
    const card = parseRateCard({ basePricePerSecond: { std: 0.07 }, modelMultipliers: { x: 3 } });
    expect(parseRateCard(JSON.parse(JSON.stringify(card)))).toEqual(card);
  });

  test.each([
    [{ basePricePerSecond: { std: '-0.05' } }, 'basePricePerSecond.std'],
    [{ basePricePerSecond: { std: '0.05.1' } }, 'basePricePerSecond.std'],
    [{ basePricePerSecond: { std: -1 } }, 'basePricePerSecond.std'],
    [{ basePricePerSecond: { turbo: '1' } }, 'basePricePerSecond.turbo'],
    [{ resolutionMultipliers: { '8k': '4' } }, 'resolutionMultipliers.8k'],
    [{ inputMultipliers: { video: null } }, 'inputMultipliers.video'],
    [{ modelMultipliers: { 'kling-v3': 'a lot' } }, 'modelMultipliers.kling-v3'],
    [{ modelMultipliers: ['1.0'] }, 'modelMultipliers'],
    [{ minChargeUsd: '0.005' }, 'minChargeUsd'],
    [{ minChargeUsd: '5', maxChargeUsd: '4.99' }, 'maxChargeUsd'],
    [{ billedResolution: '1080p' }, 'billedResolution'],
    [{ currency: 'usd' }, 'currency'],
    [{ version: '' }, 'version'],
    [{ basePrice: { std: '0.05' } }, 'basePrice'],
    [[], ''],
  ])('%j is rejected at %s', (json, path) => {
    expect(issuesOf(json).map((issue) => issue.path)).toEqual([path]);
  });

  test('an unknown key is named with the keys allowed there', () => {
    const [issue] = issuesOf({ basePricePerSecond: { turbo: '1' } });
    expect(issue?.message).toMatch(/std, pro/);
    const error = thrownBy(() => parseRateCard({ maxChargeUsd: 'ten', basePrice: 1 }));
    expect(error.message).toMatch(/maxChargeUsd: /);
    expect(error.message).toMatch(/basePrice: unknown field/);
  });
});

describe('snapshotRateCard', () => {
  test('hashes the canonical JSON: sorted keys, shortest decimals', () => {
    const snapshot = snapshotRateCard(defaultRateCard);
    expect(snapshot.card).toBe(defaultRateCard);
    expect(snapshot.sha256).toMatch(/^[0-9a-f]{64}$/);
    const canonical = canonicalJson(defaultRateCard);
    expect(canonical).toContain('"inputMultipliers":{"chisel":"1.1","image":"1","multi-image":"1.15"');
    expect(canonical).toContain('"maxChargeUsd":"10"');
    const keys = Object.keys(JSON.parse(canonical) as object);
    expect(keys).toEqual([...keys].sort());
  });

  test('the same prices hash alike whatever the spelling; any change of price changes the hash', () => {
    const base = snapshotRateCard(defaultRateCard).sha256;
    const respelled = parseRateCard({
      billedResolution: '720p',
      maxChargeUsd: 10,
      inputMultipliers: { text: 1, image: '1.0000', 'multi-image': 1.15 },
      basePricePerSecond: { pro: '0.120', std: '00.05' },
    });
    expect(snapshotRateCard(respelled).sha256).toBe(base);
    for (const change of [
      { basePricePerSecond: { std: '0.051' } },
      { modelMultipliers: { 'kling-v2-6': '1.01' } },
      { modelMultipliers: { 'acme-video': '1.0' } },
      { billedResolution: 'requested' },
      { version: 'portal-2026-12' },
      { minChargeUsd: '0.02' },
    ]) {
      expect(snapshotRateCard(parseRateCard(change)).sha256, JSON.stringify(change)).not.toBe(base);
    }
  });

  test('a snapshot is plain JSON and reads back through its schema unchanged', () => {
    const snapshot = snapshotRateCard(parseRateCard({ basePricePerSecond: { std: 0.07 } }));
    const readBack = RateCardSnapshot.parse(JSON.parse(JSON.stringify(snapshot)));
    expect(readBack).toEqual(snapshot);
    expect(snapshotRateCard(readBack.card).sha256).toBe(snapshot.sha256);
  });
});

describe('loadRateCardFile', () => {
  const dirPromise = mkdtemp(join(tmpdir(), 'rate-card-'));
  afterAll(async () => rm(await dirPromise, { recursive: true, force: true }));

  async function file(name: string, text: string): Promise<string> {
    const path = join(await dirPromise, name);
    await writeFile(path, text);
    return path;
  }

  test('loads a valid file', async () => {
    const path = await file(
      'ok.json',
      JSON.stringify({ version: 'ops-1', basePricePerSecond: { std: '0.04' } }),
    );
    const card = await loadRateCardFile(path);
    expect(card.version).toBe('ops-1');
    expect(card.basePricePerSecond.std).toBe('0.04');
  });

  test('a bad field is named together with the file', async () => {
    const path = await file('bad.json', JSON.stringify({ inputMultipliers: { video: '-1' } }));
    const error = await loadRateCardFile(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRateCardError);
    expect((error as Error).message).toContain(path);
    expect((error as InvalidRateCardError).issues.map((issue) => issue.path)).toEqual([
      'inputMultipliers.video',
    ]);
  });

  test('a file that is not JSON is a clear error naming the file', async () => {
    const path = await file('broken.json', '{ "version": ');
    const error = await loadRateCardFile(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRateCardError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/not valid JSON/);
  });
});

function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
