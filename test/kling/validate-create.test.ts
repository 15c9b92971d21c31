// The simulator's per-model checks follow the model table of src/domain/models.ts (durations, audio, families).
import { describe, expect, it } from 'vitest';
import type { KlingFamily } from '../../src/domain/family.js';
import { validateCreate, type SourceVideo } from '../../src/kling/simulator/validate-create.js';

const noVideos = () => undefined;
const check = (family: KlingFamily, body: Record<string, unknown>) => validateCreate(family, body, noVideos);
const text = (model: string, extra: Record<string, unknown> = {}) =>
  check('text2video', { model_name: model, prompt: 'a lighthouse at dusk', ...extra });

describe('durations', () => {
  it.each([
    ['kling-v1-6', ['5', '10'], ['3', '7', '15']],
    ['kling-v2-5-turbo', ['5', '10'], ['6', '11']],
    ['kling-v2-6', ['5', '10'], ['4', '10.5']],
    ['kling-v3', ['3', '9', '15'], ['2', '16', '3.5']],
  ])('%s accepts %j and refuses %j', (model, accepted, refused) => {
    for (const duration of accepted) expect(text(model, { duration })).toMatchObject({ ok: true });
    for (const duration of refused)
      expect(text(model, { duration })).toMatchObject({ ok: false, code: 1201 });
  });

  it('omni models: kling-video-o1 3–10, kling-v3-omni 3–15', () => {
    const omni = (model: string, duration: string) =>
      check('omni-video', { model_name: model, prompt: 'a dance', duration });
    expect(omni('kling-video-o1', '10')).toMatchObject({ ok: true });
    expect(omni('kling-video-o1', '11')).toMatchObject({ ok: false });
    expect(omni('kling-v3-omni', '15')).toMatchObject({ ok: true });
    expect(omni('kling-v3-omni', '2')).toMatchObject({ ok: false });
  });

  it('a model outside the table takes whole seconds up to 60; Kling takes no fractions', () => {
    expect(text('kling-v9-preview', { duration: '8' })).toMatchObject({ ok: true, spec: { seconds: 8 } });
    expect(text('kling-v9-preview', { duration: '60' })).toMatchObject({ ok: true });
    expect(text('kling-v9-preview', { duration: '7.3' })).toMatchObject({ ok: false, code: 1201 });
    expect(text('kling-v9-preview', { duration: '61' })).toMatchObject({ ok: false });
    expect(text('kling-v9-preview', { duration: '0' })).toMatchObject({ ok: false });
  });

  it('defaults to 5 s and std', () => {
    expect(text('kling-v2-6')).toStrictEqual({
      ok: true,
      spec: { model: 'kling-v2-6', mode: 'std', seconds: 5, dropped: [] },
    });
  });
});

describe('audio (sound: "on")', () => {
  it.each([
    ['kling-v1-6', 'pro', false],
    ['kling-v2-5-turbo', 'pro', false],
    ['kling-v2-6', 'std', false],
    ['kling-v2-6', 'pro', true],
    ['kling-v3', 'std', true],
    ['kling-v9-preview', 'std', true],
  ])('%s in %s mode: accepted = %s', (model, mode, accepted) => {
    expect(text(model, { mode, sound: 'on' }).ok).toBe(accepted);
    expect(text(model, { mode, sound: 'off' }).ok).toBe(true);
  });

  it('kling-v3-omni makes audio, but not with a reference video; kling-video-o1 never', () => {
    const base = { prompt: 'a song', sound: 'on', duration: '5' };
    const video_list = [{ video_url: 'https://e.x/v.mp4', refer_type: 'base', keep_original_sound: 'yes' }];
    expect(check('omni-video', { ...base, model_name: 'kling-v3-omni' })).toMatchObject({ ok: true });
    expect(check('omni-video', { ...base, model_name: 'kling-v3-omni', video_list })).toMatchObject({
      ok: false,
    });
    expect(check('omni-video', { ...base, model_name: 'kling-video-o1' })).toMatchObject({ ok: false });
  });
});

describe('families', () => {
  it('a model is refused on a family it does not serve', () => {
    expect(check('omni-video', { model_name: 'kling-v3', prompt: 'x' })).toMatchObject({
      ok: false,
      code: 1201,
    });
    expect(text('kling-video-o1')).toMatchObject({ ok: false, code: 1201 });
    expect(
      check('multi-image2video', {
        model_name: 'kling-v3',
        prompt: 'x',
        image_list: [{ image: 'https://e.x/1.png' }],
      }),
    ).toMatchObject({ ok: false });
  });

  it('video-extend needs a known v1.x video, inherits its model and mode, and takes no model, mode or duration', () => {
    const videos: Record<string, SourceVideo> = {
      'v-1': { model: 'kling-v1-6', mode: 'pro', seconds: 10 },
      'v-3': { model: 'kling-v3', mode: 'std', seconds: 5 },
    };
    const known = (videoId: string) => videos[videoId];
    expect(validateCreate('video-extend', { video_id: 'v-1' }, known)).toStrictEqual({
      ok: true,
      spec: { model: 'kling-v1-6', mode: 'pro', seconds: 15, dropped: [] },
    });
    expect(validateCreate('video-extend', { video_id: 'v-2' }, known)).toMatchObject({ ok: false });
    expect(validateCreate('video-extend', { video_id: 'v-3' }, known)).toMatchObject({
      ok: false,
      code: 1201,
      message: 'video_id: video v-3 was made by kling-v3; only v1.x videos can be extended',
    });
    for (const extra of [{ model_name: 'kling-v1-6' }, { mode: 'pro' }, { duration: '5' }]) {
      expect(validateCreate('video-extend', { video_id: 'v-1', ...extra }, known)).toMatchObject({
        ok: false,
      });
    }
  });

  it('a body that is not an object is 1200; callback_url and external_task_id are kept', () => {
    expect(check('text2video', [] as unknown as Record<string, unknown>)).toMatchObject({
      ok: false,
      code: 1200,
    });
    expect(
      text('kling-v2-6', { callback_url: 'https://hooks.example.com/kling', external_task_id: 'job-9' }),
    ).toMatchObject({
      ok: true,
      spec: { callbackUrl: 'https://hooks.example.com/kling', externalTaskId: 'job-9' },
    });
    expect(text('kling-v2-6', { callback_url: 'not a url' })).toMatchObject({ ok: false, code: 1201 });
  });
});
