// Every rule of kling-api.md "Legacy: model rules" that is not marked uncertain, from both sides of one table
// (src/domain/models.ts): `quote` and `generate` (the real CLI) refuse the payload with exit 2 naming the field,
// and the simulator answers the Kling body a careless client would send as Kling does (refuses it with Kling's
// code, or accepts it and drops the field); a case just inside the rule is accepted, priced, and accepted by the
// simulator as the worker would send it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRequest } from '../../src/domain/envelope.js';
import { familyPath, type KlingFamily } from '../../src/domain/family.js';
import { newApiCreateOf } from '../../src/domain/new-api-body.js';
import { klingAnswers, type RuleId } from '../../src/domain/models.js';
import { quoteRequest } from '../../src/domain/pricing.js';
import { defaultRateCard, snapshotRateCard } from '../../src/domain/rate-card.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { runCli } from '../cli/run-cli.js';

type Payload = Record<string, unknown>;

interface RuleCase {
  readonly rule: RuleId;
  readonly name: string;
  readonly rejected: Payload;
  /** The payload field `quote` and `generate` name. */
  readonly field: string;
  /**
   * What a client that does not check would send Kling, and the body field Kling's answer is about: to a legacy
   * family, or to a create path of the new API.
   */
  readonly kling: ({ readonly family: KlingFamily } | { readonly path: string }) & {
    readonly body: Payload;
    readonly field: string;
  };
  readonly inside: Payload;
  readonly costUsd: string;
}

const img = (n: number) => `https://e.com/i${n}.png`;
const vid = 'https://e.com/v.mp4';
const first = (n: number) => ({ image_url: img(n), type: 'first_frame' });
const end = (n: number) => ({ image_url: img(n), type: 'end_frame' });
const ref = (n: number) => ({ image_url: img(n) });
const refs = (count: number) => Array.from({ length: count }, (_, n) => ref(n));
const feature = { video_url: vid, refer_type: 'feature', keep_original_sound: 'yes' };
const base = { video_url: vid, refer_type: 'base', keep_original_sound: 'yes' };
const o1 = { model_name: 'kling-video-o1', prompt: 'p' };
const v3omni = { model_name: 'kling-v3-omni', prompt: 'p' };
const camera = { type: 'simple', config: { zoom: 5 } };
const turbo = { model_name: 'kling-3.0-turbo', prompt: 'p' };
const turboText = '/text-to-video/kling-3.0-turbo';
const turboImage = '/image-to-video/kling-3.0-turbo';

const cases: RuleCase[] = [
  {
    rule: 'duration',
    name: 'kling-v2-6 takes 5 or 10 s',
    rejected: { model_name: 'kling-v2-6', prompt: 'p', duration: 7 },
    field: 'duration',
    kling: {
      family: 'text2video',
      body: { model_name: 'kling-v2-6', prompt: 'p', duration: '7' },
      field: 'duration',
    },
    inside: { model_name: 'kling-v2-6', prompt: 'p', duration: 10 },
    costUsd: '0.50',
  },
  {
    rule: 'duration',
    name: 'kling-v3 takes whole 3–15 s',
    rejected: { model_name: 'kling-v3', prompt: 'p', duration: 16 },
    field: 'duration',
    kling: {
      family: 'text2video',
      body: { model_name: 'kling-v3', prompt: 'p', duration: '16' },
      field: 'duration',
    },
    inside: { model_name: 'kling-v3', prompt: 'p', duration: 15 },
    costUsd: '0.98',
  },
  {
    rule: 'duration',
    name: 'kling-video-o1 text-only takes 5 or 10 s',
    rejected: { ...o1, duration: 7 },
    field: 'duration',
    kling: { family: 'omni-video', body: { ...o1, duration: '7' }, field: 'duration' },
    inside: { ...o1, duration: 10 },
    costUsd: '0.90',
  },
  {
    rule: 'duration',
    name: 'kling-video-o1 first-frame-only takes 5 or 10 s',
    rejected: { ...o1, image: img(1), duration: 3 },
    field: 'duration',
    kling: {
      family: 'omni-video',
      body: { ...o1, image_list: [first(1)], duration: '3' },
      field: 'duration',
    },
    inside: { ...o1, image: img(1), duration: 5 },
    costUsd: '0.45',
  },
  {
    rule: 'duration',
    name: 'kling-video-o1 with reference images takes whole 3–10 s',
    rejected: { ...o1, image_list: [ref(1)], duration: 11 },
    field: 'duration',
    kling: { family: 'omni-video', body: { ...o1, image_list: [ref(1)], duration: '11' }, field: 'duration' },
    inside: { ...o1, image_list: [ref(1)], duration: 3 },
    costUsd: '0.27',
  },
  {
    rule: 'duration',
    name: 'kling-v3-omni with a video takes at most 10 s',
    rejected: { ...v3omni, video: vid, duration: 11 },
    field: 'duration',
    kling: {
      family: 'omni-video',
      body: { ...v3omni, video_list: [feature], duration: '11' },
      field: 'duration',
    },
    inside: { ...v3omni, video: vid, duration: 10 },
    costUsd: '0.63',
  },
  {
    rule: 'duration',
    name: 'a model outside the table: at most 60 s, fractions billed whole and sent whole',
    rejected: { model_name: 'acme-video', prompt: 'p', duration: 60.5 },
    field: 'duration',
    kling: {
      family: 'text2video',
      body: { model_name: 'acme-video', prompt: 'p', duration: '61' },
      field: 'duration',
    },
    inside: { model_name: 'acme-video', prompt: 'p', duration: 7.3 },
    costUsd: '0.40',
  },
  {
    rule: 'duration',
    name: 'a base video edit: the payload states the source length (required), Kling takes no duration',
    rejected: { ...v3omni, video_list: [base] },
    field: 'duration',
    kling: {
      family: 'omni-video',
      body: { ...v3omni, video_list: [base], duration: '5' },
      field: 'duration',
    },
    inside: { ...v3omni, video_list: [base], duration: 10 },
    costUsd: '0.63',
  },
  {
    rule: 'duration',
    name: 'a base video edit: the stated source length is whole 3–10 s',
    rejected: { ...v3omni, video_list: [base], duration: 11 },
    field: 'duration',
    kling: {
      family: 'omni-video',
      body: { ...v3omni, video_list: [base], duration: '11' },
      field: 'duration',
    },
    inside: { ...v3omni, video_list: [base], duration: 3 },
    costUsd: '0.19',
  },
  {
    rule: 'audio',
    name: 'kling-v1-6 makes no audio',
    rejected: { model_name: 'kling-v1-6', prompt: 'p', sound: 'on' },
    field: 'sound',
    kling: {
      family: 'text2video',
      body: { model_name: 'kling-v1-6', prompt: 'p', sound: 'on' },
      field: 'sound',
    },
    inside: { model_name: 'kling-v1-6', prompt: 'p', sound: 'off' },
    costUsd: '0.25',
  },
  {
    rule: 'audio',
    name: 'kling-v2-6 makes audio in pro only',
    rejected: { model_name: 'kling-v2-6', prompt: 'p', generateAudio: true },
    field: 'generateAudio',
    kling: {
      family: 'text2video',
      body: { model_name: 'kling-v2-6', prompt: 'p', sound: 'on' },
      field: 'sound',
    },
    inside: { model_name: 'kling-v2-6', prompt: 'p', mode: 'pro', generateAudio: true },
    costUsd: '0.60',
  },
  {
    rule: 'audio',
    name: 'kling-v3-omni makes no audio with a reference video',
    rejected: { ...v3omni, video: vid, generateAudio: true },
    field: 'generateAudio',
    kling: { family: 'omni-video', body: { ...v3omni, video_list: [feature], sound: 'on' }, field: 'sound' },
    inside: { ...v3omni, generateAudio: true },
    costUsd: '0.25',
  },
  {
    rule: 'start-and-end-frames',
    name: 'kling-v2-6 makes start + end frame videos in pro only (Kling drops the end frame in std)',
    rejected: { model_name: 'kling-v2-6', prompt: 'p', image: img(1), image_tail: img(2) },
    field: 'image_tail',
    kling: {
      family: 'image2video',
      body: { model_name: 'kling-v2-6', prompt: 'p', mode: 'std', image: img(1), image_tail: img(2) },
      field: 'image_tail',
    },
    inside: { model_name: 'kling-v2-6', prompt: 'p', mode: 'pro', image: img(1), image_tail: img(2) },
    costUsd: '0.69',
  },
  {
    rule: 'start-and-end-frames',
    name: 'kling-v1-6 makes start + end frame videos in pro only',
    rejected: { model_name: 'kling-v1-6', image: img(1), image_tail: img(2) },
    field: 'image_tail',
    kling: {
      family: 'image2video',
      body: { model_name: 'kling-v1-6', image: img(1), image_tail: img(2) },
      field: 'image_tail',
    },
    inside: { model_name: 'kling-v1-6', mode: 'pro', image: img(1), image_tail: img(2) },
    costUsd: '0.69',
  },
  {
    rule: 'end-frame-alone',
    name: 'an end frame alone works only on v1.x in pro',
    rejected: { model_name: 'kling-v2-6', mode: 'pro', image_tail: img(2) },
    field: 'image_tail',
    kling: {
      family: 'image2video',
      body: { model_name: 'kling-v2-6', mode: 'pro', image_tail: img(2) },
      field: 'image_tail',
    },
    inside: { model_name: 'kling-v1-6', mode: 'pro', image_tail: img(2) },
    costUsd: '0.60',
  },
  {
    rule: 'end-frame-alone',
    name: 'an end frame alone on v1.x needs pro',
    rejected: { model_name: 'kling-v1-6', image_tail: img(2) },
    field: 'image_tail',
    kling: {
      family: 'image2video',
      body: { model_name: 'kling-v1-6', image_tail: img(2) },
      field: 'image_tail',
    },
    inside: { model_name: 'kling-v1-6', mode: 'pro', image_tail: img(2), duration: 10 },
    costUsd: '1.20',
  },
  {
    rule: 'family',
    name: 'multi-image2video is kling-v1-6 only',
    rejected: { model_name: 'kling-v2-6', prompt: 'p', image_list: [img(1), img(2)] },
    field: 'image_list',
    kling: {
      family: 'multi-image2video',
      body: { model_name: 'kling-v2-6', prompt: 'p', image_list: [{ image: img(1) }, { image: img(2) }] },
      field: 'model_name',
    },
    inside: { model_name: 'kling-v1-6', prompt: 'p', image_list: [img(1), img(2)] },
    costUsd: '0.29',
  },
  {
    rule: 'prompt',
    name: 'kling-video-o1 always needs a prompt',
    rejected: { model_name: 'kling-video-o1', image: img(1) },
    field: 'prompt',
    kling: {
      family: 'omni-video',
      body: { model_name: 'kling-video-o1', image_list: [first(1)] },
      field: 'prompt',
    },
    inside: { ...o1, image: img(1) },
    costUsd: '0.45',
  },
  {
    rule: 'prompt',
    name: 'kling-v3-omni needs a prompt (multi-shot is not a payload field)',
    rejected: { model_name: 'kling-v3-omni', video: vid },
    field: 'prompt',
    kling: {
      family: 'omni-video',
      body: { model_name: 'kling-v3-omni', video_list: [feature] },
      field: 'prompt',
    },
    inside: { ...v3omni, video: vid },
    costUsd: '0.31',
  },
  {
    rule: 'end-frame-needs-first-frame',
    name: 'omni: an end frame needs a first frame',
    rejected: { ...o1, image_list: [end(2)] },
    field: 'image_list[0].type',
    kling: { family: 'omni-video', body: { ...o1, image_list: [end(2)] }, field: 'image_list[0].type' },
    inside: { ...o1, image_list: [first(1), end(2)] },
    costUsd: '0.52',
  },
  {
    rule: 'end-frame-needs-first-frame',
    name: 'omni: a bare image next to other media is a reference, not the first frame an image_tail needs',
    rejected: { ...o1, image: img(1), image_tail: img(2), image_list: [ref(3)] },
    field: 'image_tail',
    kling: {
      family: 'omni-video',
      body: { ...o1, image_list: [ref(1), end(2), ref(3)] },
      field: 'image_list[1].type',
    },
    inside: { ...o1, image: img(1), image_tail: img(2) },
    costUsd: '0.52',
  },
  {
    rule: 'end-frame-with-many-images',
    name: 'omni: more than 2 images allows no end frame',
    rejected: { ...o1, image_list: [first(1), end(2), ref(3)] },
    field: 'image_list[1].type',
    kling: {
      family: 'omni-video',
      body: { ...o1, image_list: [first(1), end(2), ref(3)] },
      field: 'image_list[1].type',
    },
    inside: { ...o1, image_list: [first(1), ref(3)] },
    costUsd: '0.52',
  },
  {
    rule: 'image-count',
    name: 'omni: at most 7 images',
    rejected: { ...o1, image_list: refs(8) },
    field: 'image_list[0]',
    kling: { family: 'omni-video', body: { ...o1, image_list: refs(8) }, field: 'image_list[0]' },
    inside: { ...o1, image_list: refs(7) },
    costUsd: '0.52',
  },
  {
    rule: 'image-count',
    name: 'omni: at most 4 images next to a video',
    rejected: { ...o1, image_list: refs(5), video: vid },
    field: 'image_list[0]',
    kling: {
      family: 'omni-video',
      body: { ...o1, image_list: refs(5), video_list: [feature] },
      field: 'image_list[0]',
    },
    inside: { ...o1, image_list: refs(4), video: vid },
    costUsd: '0.56',
  },
  {
    rule: 'one-video',
    name: 'omni: one reference video',
    rejected: { ...o1, video: vid, video_list: [vid] },
    field: 'video_list[0]',
    kling: { family: 'omni-video', body: { ...o1, video_list: [feature, feature] }, field: 'video_list[1]' },
    inside: { ...o1, video: vid },
    costUsd: '0.56',
  },
  {
    rule: 'one-frame-each',
    name: 'omni: one first frame',
    rejected: { ...o1, image_list: [first(1), first(2)] },
    field: 'image_list[1].type',
    kling: {
      family: 'omni-video',
      body: { ...o1, image_list: [first(1), first(2)] },
      field: 'image_list[1].type',
    },
    inside: { ...o1, image_list: [first(1)] },
    costUsd: '0.45',
  },
  {
    rule: 'base-video-frames',
    name: 'a base video edit takes no start or end frame',
    rejected: { ...v3omni, video_list: [base], image_list: [first(1)], duration: 5 },
    field: 'image_list[0].type',
    kling: {
      family: 'omni-video',
      body: { ...v3omni, video_list: [base], image_list: [first(1)] },
      field: 'image_list[0].type',
    },
    inside: { ...v3omni, video_list: [base], image_list: [ref(1)], duration: 5 },
    costUsd: '0.31',
  },
  {
    rule: 'camera-control',
    name: 'camera_control only for kling-v1 text2video and kling-v1-5 image2video',
    rejected: { model_name: 'kling-v2-6', prompt: 'p', camera_control: camera },
    field: 'camera_control',
    kling: {
      family: 'text2video',
      body: { model_name: 'kling-v2-6', prompt: 'p', camera_control: camera },
      field: 'camera_control',
    },
    inside: { model_name: 'kling-v1', prompt: 'p', camera_control: camera },
    costUsd: '0.25',
  },
  // The new API's pages: the same table, read for the new body.
  {
    rule: 'duration',
    name: 'kling-3.0-turbo (new API only) takes whole 3–15 s',
    rejected: { ...turbo, duration: 16 },
    field: 'duration',
    kling: { path: turboText, body: { prompt: 'p', settings: { duration: 16 } }, field: 'settings.duration' },
    inside: { ...turbo, duration: 15 },
    costUsd: '0.75',
  },
  {
    rule: 'audio',
    name: 'kling-3.0-turbo always makes audio: asking for none is refused',
    rejected: { ...turbo, generateAudio: false },
    field: 'generateAudio',
    kling: { path: turboText, body: { prompt: 'p', settings: { audio: 'off' } }, field: 'settings.audio' },
    inside: { ...turbo, generateAudio: true },
    costUsd: '0.25',
  },
  {
    rule: 'audio',
    name: 'kling-2.6 (the new name of kling-v2-6) makes native audio at 1080p (pro) only',
    rejected: { model_name: 'kling-2.6', prompt: 'p', mode: 'std', generateAudio: true },
    field: 'generateAudio',
    kling: {
      path: '/text-to-video/kling-2.6',
      body: { prompt: 'p', settings: { resolution: '720p', audio: 'native' } },
      field: 'settings.audio',
    },
    inside: { model_name: 'kling-2.6', prompt: 'p', mode: 'pro', generateAudio: true },
    costUsd: '0.60',
  },
  {
    rule: 'first-frame-only',
    name: 'kling-3.0-turbo takes a first frame only, no end frame',
    rejected: { ...turbo, image: img(1), image_tail: img(2) },
    field: 'image_tail',
    kling: {
      path: turboImage,
      body: {
        contents: [
          { type: 'prompt', text: 'p' },
          { type: 'first_frame', url: img(1) },
          { type: 'last_frame', url: img(2) },
        ],
      },
      field: 'contents[2]',
    },
    inside: { ...turbo, image: img(1) },
    costUsd: '0.25',
  },
  {
    rule: 'negative-prompt',
    name: 'the new API takes no negative_prompt',
    rejected: { ...turbo, negative_prompt: 'blur' },
    field: 'negative_prompt',
    kling: { path: turboText, body: { prompt: 'p', negative_prompt: 'blur' }, field: 'negative_prompt' },
    inside: turbo,
    costUsd: '0.25',
  },
];

/** Rules only a body can break: the worker never sends the field in question (it sends the mode's resolution). */
const klingOnly: {
  rule: RuleId;
  name: string;
  path: string;
  body: Payload;
  field: string;
  inside: Payload;
}[] = [
  {
    rule: 'resolution',
    name: 'kling-3.0-turbo takes 720p and 1080p, kling-3.0 4k too',
    path: turboText,
    body: { prompt: 'p', settings: { resolution: '4k' } },
    field: 'settings.resolution',
    inside: { path: '/text-to-video/kling-3.0', body: { prompt: 'p', settings: { resolution: '4k' } } },
  },
];

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ seed: 12, jitter: 0, timeScale: 1, concurrencyLimit: 1000 });
});
afterAll(() => simulator.close());

/** A create on the legacy family, or on the new API's path (`external_task_id` under `options` there). */
async function postToSimulator(
  target: { readonly family: KlingFamily } | { readonly path: string },
  body: Payload,
  externalTaskId: string,
) {
  const legacy = 'family' in target;
  const response = await fetch(`${simulator.url}${legacy ? familyPath[target.family] : target.path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${simulator.credentials.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(
      legacy
        ? { ...body, external_task_id: externalTaskId }
        : { ...body, options: { external_task_id: externalTaskId } },
    ),
  });
  return { httpStatus: response.status, body: (await response.json()) as { code: number; message: string } };
}

it('every rule of the table has a case', () => {
  expect(new Set([...cases, ...klingOnly].map((entry) => entry.rule))).toEqual(
    new Set(Object.keys(klingAnswers)),
  );
});

describe.each(klingOnly)('$rule: $name', (entry) => {
  it('the simulator refuses the careless body as Kling does, and takes it where the table allows it', async () => {
    const { httpStatus, body } = await postToSimulator(
      { path: entry.path },
      entry.body,
      `job-only-${entry.rule}`,
    );
    expect({ httpStatus, code: body.code }).toEqual({ httpStatus: 400, code: 1201 });
    expect(body.message.startsWith(`${entry.field}: `)).toBe(true);
    const inside = entry.inside as { path: string; body: Payload };
    expect(
      (await postToSimulator({ path: inside.path }, inside.body, `job-only-in-${entry.rule}`)).body,
    ).toMatchObject({
      code: 0,
    });
  });
});

describe.concurrent.each(cases.map((entry, index) => ({ ...entry, index })))('$rule: $name', (entry) => {
  // Two processes per case on a shared machine: generous time.
  it(
    `quote and generate refuse it: exit 2 naming ${entry.field}, nothing printed or started`,
    { timeout: 180_000 },
    async () => {
      const stdin = JSON.stringify(entry.rejected);
      const [quote, generate] = await Promise.all([
        runCli(['quote', '-'], { stdin }),
        runCli(['generate', '-', '--job-id', `job-rules-${entry.index}`], { stdin }),
      ]);
      for (const result of [quote, generate]) {
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain(`- ${entry.field}: `);
      }
    },
  );

  it('the simulator answers the careless body as Kling does', async () => {
    const answer = klingAnswers[entry.rule];
    const externalTaskId = `job-rules-out-${entry.index}`;
    const { httpStatus, body } = await postToSimulator(entry.kling, entry.kling.body, externalTaskId);
    if ('refuses' in answer) {
      expect({ httpStatus, code: body.code }).toEqual({ httpStatus: 400, code: answer.refuses });
      expect(body.message.startsWith(`${entry.kling.field}: `)).toBe(true);
    } else {
      expect(body.code).toBe(0);
      const task = simulator.tasks().find((candidate) => candidate.externalTaskId === externalTaskId);
      expect(task?.dropped).toEqual([entry.kling.field]);
    }
  });

  it(`just inside: accepted and priced ${entry.costUsd}, and the body the worker sends is accepted with nothing dropped`, async () => {
    // The code `quote` runs (test/cli covers the command itself).
    expect(quoteRequest(normalizeRequest(entry.inside), snapshotRateCard(defaultRateCard))).toMatchObject({
      costUsd: entry.costUsd,
    });

    const envelope = normalizeRequest(entry.inside);
    const externalTaskId = `job-rules-in-${entry.index}`;
    const create = envelope.api === 'new' ? newApiCreateOf(envelope) : undefined;
    const { body } =
      create === undefined
        ? await postToSimulator(envelope, envelope.klingBody, externalTaskId)
        : await postToSimulator(create, create.body, externalTaskId);
    expect(body).toMatchObject({ code: 0 });
    const task = simulator.tasks().find((candidate) => candidate.externalTaskId === externalTaskId);
    expect(task?.dropped).toEqual([]);
  });
});
