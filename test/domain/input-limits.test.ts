// Issue 13, rows 3, 4, 5, 8 and 12 at the domain's door: what the store, Kling or a log would choke on later is
// refused by the payload schema, the orchestrator's check and the rate-card loader, naming the field.
import { describe, expect, test } from 'vitest';
import { InvalidRequestError, normalizeRequest } from '../../src/domain/envelope.js';
import {
  jobIdProblem,
  MAX_CHARGE_USD,
  modelNameProblem,
  payloadLimitIssues,
} from '../../src/domain/input-limits.js';
import type { Issue } from '../../src/domain/issues.js';
import { quoteRequest } from '../../src/domain/pricing.js';
import { InvalidRateCardError, parseRateCard, snapshotRateCard } from '../../src/domain/rate-card.js';

const ok = { model_name: 'kling-v2-6', prompt: 'A neon-lit drive', mode: 'pro', duration: 5 };

function requestIssues(payload: unknown): Issue[] {
  try {
    normalizeRequest(payload);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.issues;
    throw error;
  }
  return [];
}

function cardIssues(json: unknown): Issue[] {
  try {
    parseRateCard(json);
  } catch (error) {
    if (error instanceof InvalidRateCardError) return error.issues;
    throw error;
  }
  return [];
}

function nested(levels: number): unknown {
  let value: unknown = { zoom: 1 };
  for (let i = 0; i < levels; i++) value = { config: value };
  return value;
}

describe('control characters (row 3)', () => {
  test.each([
    ['a NUL in the prompt', { ...ok, prompt: 'a\u0000b' }, 'prompt', /U\+0000 at offset 1/],
    ['a NUL in the model name', { ...ok, model_name: 'kling-v2-6\u0000' }, 'model_name', /not a model name/],
    [
      'an escape in the negative prompt',
      { ...ok, negative_prompt: 'x\u001b[2J' },
      'negative_prompt',
      /U\+001B/,
    ],
    ['a DEL in an image URL', { ...ok, image: 'https://e.com/a\u007f.png' }, 'image', /U\+007F/],
    [
      'a C1 control in a video id',
      { ...ok, model_name: 'kling-v1-6', video_id: 'v\u009b1' },
      'video_id',
      /U\+009B/,
    ],
    ['a line feed in an image URL', { ...ok, image: 'https://e.com/a\n.png' }, 'image', /U\+000A/],
    ['a lone surrogate in the prompt', { ...ok, prompt: 'x\ud800y' }, 'prompt', /lone surrogate U\+D800/],
    [
      'a NUL in a camera_control key',
      { ...ok, model_name: 'kling-v1', camera_control: { 'type\u0000': 'simple' } },
      'camera_control."type\\u0000"',
      /key: control character U\+0000/,
    ],
  ])('%s is refused, naming the field', (_name, payload, path, message) => {
    const issue = requestIssues(payload).find((candidate) => candidate.path === path);
    expect(issue?.message).toMatch(message);
    // The orchestrator's check (startJob) refuses it too, before anything starts.
    expect(payloadLimitIssues(payload).map((candidate) => candidate.path)).toContain(path);
  });

  test('prompts keep tab, line feed and carriage return', () => {
    const payload = { ...ok, prompt: 'line one\r\nline two\tand a tab' };
    expect(requestIssues(payload)).toEqual([]);
    expect(payloadLimitIssues(payload)).toEqual([]);
  });
});

describe('nesting depth (row 4)', () => {
  test('camera_control nested 2,000 levels is refused at its path without overflowing the stack', () => {
    const payload = { ...ok, model_name: 'kling-v1', camera_control: nested(2_000) };
    const issues = requestIssues(payload);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toMatch(/^camera_control(\.config)+$/);
    expect(issues[0]?.message).toBe('nested deeper than 8 levels of objects and arrays');
    expect(payloadLimitIssues(payload)).toEqual(issues);
  });

  test("Kling's own camera_control shape nests well within the limit", () => {
    const camera_control = { type: 'simple', config: { horizontal: 0, zoom: 5 } };
    expect(requestIssues({ ...ok, model_name: 'kling-v1', camera_control })).toEqual([]);
  });

  test('the orchestrator check bounds every field, an unknown one included', () => {
    const issues = payloadLimitIssues({ ...ok, colour: nested(100_000) });
    expect(issues.map((issue) => issue.message)).toEqual([
      'nested deeper than 8 levels of objects and arrays',
    ]);
    expect(issues[0]?.path).toMatch(/^colour\./);
  });
});

describe('model names (row 12)', () => {
  test.each([
    ['kling-v2-6 ', 'did you mean kling-v2-6?'],
    ['KLING-V2-6', 'did you mean kling-v2-6?'],
    [' Kling-V3', 'did you mean kling-v3?'],
    ['../../etc/passwd', 'lower-case letters, digits'],
    ['kling v9', 'lower-case letters, digits'],
    ['-kling', 'lower-case letters, digits'],
  ])('%j is refused: %s', (name, hint) => {
    const issues = requestIssues({ ...ok, model_name: name });
    expect(issues.map((issue) => issue.path)).toEqual(['model_name']);
    expect(issues[0]?.message).toContain(hint);
    expect(issues[0]?.message).toContain(`${JSON.stringify(name)} is not a model name`);
  });

  test.each(['kling-v2-6', 'kling-3.0', 'kling-3.0-turbo', 'acme-video', 'x'])('%j has the shape', (name) => {
    expect(modelNameProblem(name)).toBeUndefined();
  });

  test('a far-off name gets no suggestion', () => {
    expect(modelNameProblem('../../etc/passwd')).not.toContain('did you mean');
  });
});

describe('job ids (row 8)', () => {
  test.each(['job-1', 'portal-order-1764300000000', 'job-6f1c9e1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f', 'a.b_c:d'])(
    '%j is a job id',
    (jobId) => {
      expect(jobIdProblem(jobId)).toBeUndefined();
    },
  );

  test.each(['a\nb', '', ' job', 'job 1', 'job/1', '-job', 'x'.repeat(129), 'jöb', 'job\u0000'])(
    '%j is refused, naming the rule',
    (jobId) => {
      expect(jobIdProblem(jobId)).toMatch(
        /is not a job id \(a job id is 1–128 characters: ASCII letters, digits/,
      );
    },
  );

  test('the refused id is shown escaped, so it cannot forge a line', () => {
    expect(jobIdProblem('a\nINFO forged')).toContain('"a\\nINFO forged"');
  });
});

describe('rate-card bounds (rows 3 and 5)', () => {
  test.each([
    [{ modelMultipliers: { 'kling-v2-6': '1000000000' } }, 'modelMultipliers.kling-v2-6', 'at most 1000'],
    [{ maxChargeUsd: '100000000000.00' }, 'maxChargeUsd', `at most ${MAX_CHARGE_USD}`],
    [{ basePricePerSecond: { pro: '1001' } }, 'basePricePerSecond.pro', 'at most 1000'],
    [{ inputMultipliers: { video: '1.00000000001' } }, 'inputMultipliers.video', 'at most 10 decimal places'],
    [{ unknownModelMultiplier: 5000 }, 'unknownModelMultiplier', 'at most 1000'],
    [{ version: 'ops\u00001' }, 'version', 'control character U+0000'],
    [{ version: 'v'.repeat(65) }, 'version', 'at most 64 characters'],
    [{ modelMultipliers: { 'KLING-V3': '1.2' } }, 'modelMultipliers.KLING-V3', 'did you mean kling-v3?'],
    [{ modelMultipliers: { 'bad\u0000name': '1' } }, 'modelMultipliers."bad\\u0000name"', 'not a model name'],
  ])('%j is refused at %s', (json, path, message) => {
    const issues = cardIssues(json);
    expect(issues.map((issue) => issue.path)).toEqual([path]);
    expect(issues[0]?.message).toContain(message);
  });

  test('too many model multipliers are refused', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`model-${i}`, '1']));
    expect(cardIssues({ modelMultipliers: many }).map((issue) => issue.path)).toEqual(['modelMultipliers']);
  });

  test('the largest card the bounds allow still prices in exact integer cents', () => {
    const card = parseRateCard({
      basePricePerSecond: { pro: '1000' },
      resolutionMultipliers: { '720p': '1000' },
      inputMultipliers: { text: '1000' },
      modelMultipliers: { 'kling-v2-6': '1000' },
      maxChargeUsd: MAX_CHARGE_USD,
    });
    const quote = quoteRequest(normalizeRequest({ ...ok, duration: 10 }), snapshotRateCard(card));
    expect(quote).toMatchObject({ costUsd: '1000000.00', amountCents: 100_000_000, clamped: 'max' });
    expect(quote.rawCostUsd).toBe('10000000000000');
  });
});
