// Issue 13 through the real `kling-video` command, as a hostile or careless user tries it: each input below exits 2
// naming the field, prints nothing on stdout and starts nothing (rows 3, 4, 5, 8, 11 and 12).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closedPort, runCli, type CliResult } from './run-cli.js';

const ok = { model_name: 'kling-v2-6', prompt: 'A neon-lit drive', mode: 'pro', duration: 5 };

function nested(levels: number): unknown {
  let value: unknown = { zoom: 1 };
  for (let i = 0; i < levels; i++) value = { config: value };
  return value;
}

function expectRefused(result: CliResult, ...fields: string[]): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  for (const field of fields) expect(result.stderr).toContain(field);
  expect(result.stderr).not.toMatch(/RangeError|\n\s+at /);
}

describe('kling-video quote refuses hostile payloads', () => {
  test.each([
    [
      'a NUL in the prompt (row 3)',
      JSON.stringify({ ...ok, prompt: 'a\u0000b' }),
      'prompt: control character U+0000',
    ],
    ['a NUL in model_name (row 3)', JSON.stringify({ ...ok, model_name: 'kling-v2-6\u0000' }), 'model_name:'],
    [
      'camera_control nested 2,000 levels (row 4)',
      JSON.stringify({ ...ok, model_name: 'kling-v1', camera_control: nested(2_000) }),
      'camera_control.config',
    ],
    [
      'model_name given twice (row 11)',
      '{"model_name":"kling-v2-6","prompt":"p","mode":"pro","model_name":"kling-video-o1"}',
      'model_name: duplicate key',
    ],
    [
      'a trailing space in model_name (row 12)',
      JSON.stringify({ ...ok, model_name: 'kling-v2-6 ' }),
      'did you mean kling-v2-6?',
    ],
    [
      'an upper-case model_name (row 12)',
      JSON.stringify({ ...ok, model_name: 'KLING-V2-6' }),
      'did you mean kling-v2-6?',
    ],
    [
      'a path as model_name (row 12)',
      JSON.stringify({ ...ok, model_name: '../../etc/passwd' }),
      'is not a model name',
    ],
  ])('%s', async (_name, stdin, field) => {
    expectRefused(await runCli(['quote', '-'], { stdin }), field);
  });
});

describe('kling-video quote refuses hostile rate cards', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostile-card-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each([
    [
      'a key given twice (row 11)',
      '{"basePricePerSecond":{"pro":"0.12","pro":"0"}}',
      ['basePricePerSecond.pro: duplicate key'],
    ],
    ['a NUL in version (row 3)', '{"version":"ops\\u00001"}', ['version: control character U+0000']],
    [
      'amounts that do not fit (row 5)',
      '{"modelMultipliers":{"kling-v2-6":"1000000000"},"maxChargeUsd":"100000000000.00"}',
      ['modelMultipliers.kling-v2-6: at most 1000', 'maxChargeUsd: at most 1000000.00'],
    ],
  ])('%s', async (name, card, fields) => {
    const path = join(dir, `${name.replaceAll(/\W+/g, '-')}.json`);
    await writeFile(path, card);
    expectRefused(
      await runCli(['quote', '-', '--rate-card', path], { stdin: JSON.stringify(ok) }),
      path,
      ...fields,
    );
  });
});

describe('kling-video generate refuses before it connects', () => {
  // Nothing listens there: a start would fail differently (exit 2 "no Temporal server"), so the message proves
  // the refusal came first.
  let env: Record<string, string>;
  beforeAll(async () => {
    env = { TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` };
  });

  test('a job id with a newline (row 8)', async () => {
    const result = await runCli(['generate', '-', '--job-id', 'a\nb'], { stdin: JSON.stringify(ok), env });
    expectRefused(result, '--job-id: "a\\nb" is not a job id (a job id is 1–128 characters');
  });

  test('a NUL in the prompt (row 3)', async () => {
    const result = await runCli(['generate', '-'], {
      stdin: JSON.stringify({ ...ok, prompt: '\u0000' }),
      env,
    });
    expectRefused(result, 'prompt: control character U+0000');
    expect(result.stderr).not.toContain('Temporal');
  });
});
