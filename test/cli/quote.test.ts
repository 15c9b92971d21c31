import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Quote } from '../../src/domain/bill-line.js';
import { normalizeRequest } from '../../src/domain/envelope.js';
import { repoRoot, runCli } from './run-quote.js';

const dirPromise = mkdtemp(join(tmpdir(), 'quote-cli-'));
afterAll(async () => rm(await dirPromise, { recursive: true, force: true }));

async function tempFile(name: string, text: string): Promise<string> {
  const path = join(await dirPromise, name);
  await writeFile(path, text);
  return path;
}

describe.concurrent('kling-video quote', () => {
  test('the kling-v2-6 seed example costs 0.60, billed at 720p', async () => {
    const result = await runCli(['quote', 'examples/kling-v2-6-text-audio.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"costUsd": "0.60"');
    expect(result.stdout).toContain('"billedResolution": "720p"');
    const quote = Quote.parse(JSON.parse(result.stdout));
    expect(quote).toMatchObject({ model: 'kling-v2-6', inputType: 'text', amountCents: 60, audio: true });
    expect(Object.keys(quote)).not.toContain('jobId');
  });

  test('the kling-video-o1 image + video example costs 2.16, billed at 720p', async () => {
    const result = await runCli(['quote', 'examples/kling-video-o1-image-video.json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"costUsd": "2.16"');
    expect(result.stdout).toContain('"billedResolution": "720p"');
  });

  test('reads the payload from stdin with -', async () => {
    const payload = { model_name: 'kling-v3', prompt: 'p', mode: 'std', duration: 5 };
    const result = await runCli(['quote', '-'], JSON.stringify(payload));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ costUsd: '0.33', rawCostUsd: '0.325' });
  });

  test('--rate-card prices with the operator card', async () => {
    const card = await tempFile(
      'card.json',
      JSON.stringify({ version: 'ops-7', basePricePerSecond: { pro: '0.20' } }),
    );
    const result = await runCli(['quote', 'examples/kling-v2-6-text-audio.json', '--rate-card', card]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ costUsd: '1.00', rateCard: { version: 'ops-7' } });
  });

  test('a bad rate card: exit 2, the file and the field on stderr, nothing on stdout', async () => {
    const card = await tempFile('bad-card.json', JSON.stringify({ inputMultipliers: { video: 'lots' } }));
    const result = await runCli(['quote', 'examples/kling-v3-text.json', '--rate-card', card]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(card);
    expect(result.stderr).toContain('inputMultipliers.video');
  });

  test('a rate card that is not JSON, or missing: exit 2', async () => {
    const broken = await tempFile('broken-card.json', '{"version":');
    const notJson = await runCli(['quote', 'examples/kling-v3-text.json', '--rate-card', broken]);
    expect(notJson).toMatchObject({ code: 2, stdout: '' });
    expect(notJson.stderr).toMatch(/not valid JSON/);
    const missing = await runCli([
      'quote',
      'examples/kling-v3-text.json',
      '--rate-card',
      join(repoRoot, 'nope.json'),
    ]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/nope\.json/);
  });

  test.each([
    [['quote', '-'], '{"model_name":', /not valid JSON/],
    [['quote', 'no-such-payload.json'], '', /no-such-payload\.json/],
    [['quote'], '', /expected exactly one payload/],
    [['quote', '-', '--colour', 'red'], '{}', /colour/],
  ] as const)(
    '%j with a bad payload or arguments: exit 2, nothing on stdout',
    async (args, stdin, pattern) => {
      const result = await runCli(args, stdin);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(pattern);
    },
  );

  test('a bad payload and a bad card are both reported', async () => {
    const card = await tempFile('bad-card-2.json', JSON.stringify({ billedResolution: '4k' }));
    const result = await runCli(
      ['quote', '-', '--rate-card', card],
      JSON.stringify({ model_name: 'kling-v3' }),
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('billedResolution');
    expect(result.stderr).toContain('prompt');
  });

  test('--help prints the usage', async () => {
    const result = await runCli(['quote', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('kling-video quote <payload.json | -> [--rate-card <file>]');
  });
});

test('every example is a valid request, and together they cover every input type the derivation produces', async () => {
  const names = (await readdir(join(repoRoot, 'examples'))).filter((name) => name.endsWith('.json'));
  const envelopes = await Promise.all(
    names.map(async (name) =>
      normalizeRequest(JSON.parse(await readFile(join(repoRoot, 'examples', name), 'utf8'))),
    ),
  );
  expect(new Set(envelopes.map((envelope) => envelope.inputType))).toEqual(
    new Set(['text', 'image', 'multi-image', 'video']),
  );
  expect(new Set(envelopes.map((envelope) => envelope.family))).toEqual(
    new Set(['text2video', 'image2video', 'multi-image2video', 'omni-video', 'video-extend']),
  );
});
