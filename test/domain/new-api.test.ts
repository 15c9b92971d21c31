// Kling's new API generation in the pure core: one model named two ways (same rules, same multiplier, both names on
// the bill), where a job goes (the model table and the configuration), and the new body rendered from the same
// envelope as the legacy one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InvalidRequestError } from '../../src/domain/envelope.js';
import { normalizeRequest, RequestEnvelope } from '../../src/domain/envelope.js';
import {
  apiOf,
  canonicalModel,
  modelOfNewApiName,
  modelsServedByBothApis,
  rulesOf,
} from '../../src/domain/models.js';
import { newApiCreateOf } from '../../src/domain/new-api-body.js';
import { quoteRequest } from '../../src/domain/pricing.js';
import {
  defaultRateCard,
  InvalidRateCardError,
  parseRateCard,
  snapshotRateCard,
} from '../../src/domain/rate-card.js';
import { fixtures } from '../kling/fixtures.js';

const card = snapshotRateCard(defaultRateCard);
const quote = (payload: unknown, newApiModels: readonly string[] = []) =>
  quoteRequest(normalizeRequest(payload, { newApiModels: new Set(newApiModels) }), card);
const example = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8'));

const aliases = [
  ['kling-v3', 'kling-3.0'],
  ['kling-video-o1', 'kling-o1'],
  ['kling-v3-omni', 'kling-3.0-omni'],
  ['kling-v2-6', 'kling-2.6'],
  ['kling-v2-5-turbo', 'kling-2.5-turbo'],
] as const;

describe('one model, two names', () => {
  it.each(aliases)('%s and %s: the same rules and the same table name', (legacy, newName) => {
    expect(canonicalModel(newName)).toBe(legacy);
    expect(canonicalModel(legacy)).toBe(legacy);
    expect(rulesOf(newName)).toBe(rulesOf(legacy));
    expect(modelOfNewApiName(newName)).toBe(legacy);
    // The legacy name is not a path of the new API.
    expect(modelOfNewApiName(legacy)).toBeUndefined();
  });

  it.each(aliases)(
    '%s and %s quote alike; the line keeps the name used and the canonical one',
    (legacy, newName) => {
      const omni = legacy.includes('o1') || legacy.includes('omni');
      const payload = {
        prompt: 'a fox in snow',
        mode: 'pro',
        duration: 5,
        ...(omni ? {} : { generateAudio: false }),
      };
      const byLegacy = quote({ ...payload, model_name: legacy });
      const byNew = quote({ ...payload, model_name: newName });
      expect(byLegacy).not.toHaveProperty('requestedModel');
      expect(byNew).toStrictEqual({ ...byLegacy, requestedModel: newName });
      expect(byNew.model).toBe(legacy);
    },
  );

  it('kling-3.0 costs what kling-v3 costs: 5 s × 0.12 × 1.0 × 1.00 × 1.3 = 0.78', () => {
    expect(quote({ model_name: 'kling-3.0', prompt: 'p', mode: 'pro', duration: 5 })).toMatchObject({
      model: 'kling-v3',
      requestedModel: 'kling-3.0',
      factors: { model: '1.3' },
      costUsd: '0.78',
    });
  });

  it('the legacy rendering names the model as the legacy API knows it', () => {
    const envelope = normalizeRequest({
      model_name: 'kling-2.6',
      prompt: 'p',
      mode: 'pro',
      generateAudio: true,
    });
    expect(envelope).toMatchObject({ model: 'kling-v2-6', requestedModel: 'kling-2.6' });
    expect(envelope).not.toHaveProperty('api');
    expect(envelope.klingBody).toMatchObject({ model_name: 'kling-v2-6', sound: 'on' });
  });

  it('errors speak of the name the request used', () => {
    const error = (() => {
      try {
        normalizeRequest({ model_name: 'kling-2.6', prompt: 'p', duration: 7 });
      } catch (caught) {
        return caught as InvalidRequestError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.issues).toEqual([
      { path: 'duration', message: 'not allowed for kling-2.6; allowed: 5, 10' },
    ]);
  });
});

describe('kling-3.0-turbo', () => {
  it('goes to the new API whatever the configuration, and bills as any other model on the default card', () => {
    expect(apiOf('kling-3.0-turbo', new Set())).toBe('new');
    expect(quote(example('kling-3.0-turbo-text'))).toMatchObject({
      model: 'kling-3.0-turbo',
      factors: { basePricePerSecond: '0.05', resolution: '1.0', input: '1.00', model: '1.0' },
      costUsd: '0.25',
      audio: true,
    });
    // 8 s × 0.12 (pro) × 1.0 (720p tier) × 1.00 (image) × 1.0.
    expect(quote(example('kling-3.0-turbo-first-frame'))).toMatchObject({
      inputType: 'image',
      costUsd: '0.96',
    });
  });

  it('an operator card prices it by its own name', () => {
    const operator = snapshotRateCard(parseRateCard({ modelMultipliers: { 'kling-3.0-turbo': '1.2' } }));
    const priced = quoteRequest(normalizeRequest(example('kling-3.0-turbo-text')), operator);
    expect(priced).toMatchObject({ factors: { model: '1.2' }, costUsd: '0.30' });
  });

  it('makes audio always: an envelope without audio asked still records it, and the body asks for native audio', () => {
    const envelope = normalizeRequest({ model_name: 'kling-3.0-turbo', prompt: 'p' });
    expect(envelope).toMatchObject({ api: 'new', audio: true, klingBody: { sound: 'on' } });
    expect(newApiCreateOf(envelope).body).toMatchObject({ settings: { audio: 'native' } });
  });
});

describe('where a job goes', () => {
  it('models both APIs serve stay on the legacy API unless the configuration moves them, by either name', () => {
    expect(modelsServedByBothApis()).toEqual([
      'kling-v2-5-turbo',
      'kling-v2-6',
      'kling-v3',
      'kling-video-o1',
      'kling-v3-omni',
    ]);
    const moved = new Set(['kling-v3']);
    for (const name of ['kling-v3', 'kling-3.0']) {
      expect(apiOf(name, new Set())).toBe('legacy');
      expect(apiOf(name, moved)).toBe('new');
    }
    // A model the new API does not serve, or one outside the table, never goes there.
    expect(apiOf('kling-v1-6', new Set(['kling-v1-6']))).toBe('legacy');
    expect(apiOf('acme-video', new Set(['acme-video']))).toBe('legacy');
  });

  it('a kling-v3 job moved to the new API quotes the same and renders the same request, the other way', () => {
    const payload = { model_name: 'kling-v3', prompt: 'Paper boats', mode: 'std', duration: 5 };
    const legacy = normalizeRequest(payload);
    const moved = normalizeRequest(payload, { newApiModels: new Set(['kling-v3']) });
    expect(moved).toStrictEqual({ ...legacy, api: 'new' });
    expect(quoteRequest(moved, card)).toStrictEqual(quoteRequest(legacy, card));
    expect(newApiCreateOf(moved)).toStrictEqual({
      path: '/text-to-video/kling-3.0',
      body: {
        prompt: 'Paper boats',
        settings: { resolution: '720p', aspect_ratio: '16:9', duration: 5, audio: 'off', multi_shot: false },
      },
    });
  });

  it('on the new API, negative_prompt is refused (the page has none), naming the field', () => {
    const payload = { model_name: 'kling-v3', prompt: 'p', negative_prompt: 'blur' };
    expect(() => normalizeRequest(payload)).not.toThrow();
    expect(() => normalizeRequest(payload, { newApiModels: new Set(['kling-v3']) })).toThrow(
      /negative_prompt: not taken by Kling's new API/,
    );
  });
});

describe('the new body, from the same envelope', () => {
  const render = (payload: unknown, moved: readonly string[] = []) =>
    newApiCreateOf(normalizeRequest(payload, { newApiModels: new Set(moved) }));
  const withJob = (body: unknown) => ({ ...(body as object), options: { external_task_id: 'job-8812' } });

  it.each([
    ['kling-3.0-turbo-text', 'new-request-text-to-video'],
    ['kling-3.0-turbo-first-frame', 'new-request-image-to-video'],
  ] as const)('%s renders the body transcribed from the docs (%s)', (name, fixture) => {
    const create = render(example(name));
    const expected = fixtures.request(fixture);
    expect(create.path).toBe(expected.path);
    // The client adds external_task_id under options.
    expect(withJob(create.body)).toStrictEqual(expected.body);
  });

  it('image-to-video: start and end frames as typed contents, no aspect_ratio, mode → resolution', () => {
    expect(
      render(
        {
          model_name: 'kling-v2-6',
          prompt: 'bloom',
          mode: 'pro',
          image: 'https://e.x/a.png',
          image_tail: 'b64',
        },
        ['kling-v2-6'],
      ),
    ).toStrictEqual({
      path: '/image-to-video/kling-2.6',
      body: {
        contents: [
          { type: 'prompt', text: 'bloom' },
          { type: 'first_frame', url: 'https://e.x/a.png' },
          { type: 'last_frame', url: 'b64' },
        ],
        settings: { resolution: '1080p', duration: 5, audio: 'off', multi_shot: false },
      },
    });
  });

  it('omni: reference images and a feature video as contents; the video’s own sound kept is audio "original"', () => {
    expect(render(example('kling-video-o1-image-video'), ['kling-video-o1'])).toStrictEqual({
      path: '/omni-video/kling-o1',
      body: {
        contents: [
          {
            type: 'prompt',
            text: 'The character from the image walks through the scene, with the camera moving like the reference video',
          },
          { type: 'refer_image', url: 'https://example.com/character.png' },
          { type: 'feature_video', url: 'https://example.com/reference.mp4' },
        ],
        settings: {
          resolution: '1080p',
          aspect_ratio: '16:9',
          duration: 8,
          audio: 'original',
          multi_shot: false,
        },
      },
    });
  });

  it('omni: a first and an end frame, a base video edit without duration', () => {
    const frames = render(
      {
        model_name: 'kling-3.0-omni',
        prompt: 'p',
        image_list: [
          { image_url: 'https://e.x/1.png', type: 'first_frame' },
          { image_url: 'https://e.x/2.png', type: 'end_frame' },
        ],
      },
      ['kling-v3-omni'],
    );
    expect(frames.body['contents']).toEqual([
      { type: 'prompt', text: 'p' },
      { type: 'first_frame', url: 'https://e.x/1.png' },
      { type: 'last_frame', url: 'https://e.x/2.png' },
    ]);
    const edit = render(
      {
        model_name: 'kling-v3-omni',
        prompt: 'make it night',
        video_list: [{ video_url: 'https://e.x/v.mp4', refer_type: 'base', keep_original_sound: 'no' }],
        duration: 6,
      },
      ['kling-v3-omni'],
    );
    expect(edit.body).toStrictEqual({
      contents: [
        { type: 'prompt', text: 'make it night' },
        { type: 'base_video', url: 'https://e.x/v.mp4' },
      ],
      settings: { resolution: '720p', audio: 'off', multi_shot: false },
    });
  });

  it('refuses to render an envelope the new API does not serve', () => {
    expect(() => newApiCreateOf(normalizeRequest({ model_name: 'kling-v1-6', prompt: 'p' }))).toThrow(
      /does not serve kling-v1-6/,
    );
  });
});

describe('compatibility', () => {
  it('an envelope persisted before aliases (no requestedModel, no api) parses and prices as it did', () => {
    // What a job accepted before this change stored for `kling-3.0`: a model outside the table then.
    const old = RequestEnvelope.parse({
      model: 'kling-3.0',
      family: 'text2video',
      inputType: 'text',
      requestedSeconds: '5',
      mode: 'pro',
      requestedResolution: '1080p',
      audio: false,
      references: { imageList: [], videos: [] },
      klingBody: { model_name: 'kling-3.0', prompt: 'p', mode: 'pro', duration: '5' },
    });
    const priced = quoteRequest(old, card);
    expect(priced).toMatchObject({ model: 'kling-3.0', factors: { model: '1.0' }, costUsd: '0.60' });
    expect(priced).not.toHaveProperty('requestedModel');
  });

  it('an operator card naming a model by its other name is refused, naming the name to use', () => {
    expect(() => parseRateCard({ modelMultipliers: { 'kling-3.0': '1.5' } })).toThrow(InvalidRateCardError);
    expect(() => parseRateCard({ modelMultipliers: { 'kling-3.0': '1.5' } })).toThrow(
      /modelMultipliers\.kling-3\.0: kling-3\.0 is another name of kling-v3; set "kling-v3"/,
    );
  });
});
