import { describe, expect, test } from 'vitest';
import {
  extensionVideoId,
  InvalidRequestError,
  normalizeRequest,
  RequestEnvelope,
} from '../../src/domain/envelope.js';
import { PortalPayload } from '../../src/domain/payload.js';

function issuesOf(payload: unknown): { path: string; message: string }[] {
  try {
    normalizeRequest(payload);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).name).toBe('InvalidRequestError');
    return (error as InvalidRequestError).issues;
  }
  throw new Error(`expected ${JSON.stringify(payload)} to be rejected`);
}

const seed = {
  model_name: 'kling-v2-6',
  prompt: 'A neon-lit drive through a rainy cyberpunk city',
  aspect_ratio: '16:9',
  duration: 5,
  cfg_scale: 0.5,
  mode: 'pro',
  generateAudio: true,
};

describe('normalizeRequest', () => {
  test('the seed payload: text2video, sound on, cfg_scale dropped for a v2 model', () => {
    const envelope = normalizeRequest(seed);
    expect(envelope).toEqual({
      model: 'kling-v2-6',
      family: 'text2video',
      inputType: 'text',
      requestedSeconds: '5',
      mode: 'pro',
      requestedResolution: '1080p',
      audio: true,
      references: { imageList: [], videos: [] },
      klingBody: {
        model_name: 'kling-v2-6',
        prompt: seed.prompt,
        mode: 'pro',
        aspect_ratio: '16:9',
        duration: '5',
        sound: 'on',
      },
    });
    expect(RequestEnvelope.parse(JSON.parse(JSON.stringify(envelope)))).toEqual(envelope);
  });

  test('defaults: duration 5, mode std, 16:9, resolution from the mode; cfg_scale kept for v1 models', () => {
    const envelope = normalizeRequest({ model_name: 'kling-v1-6', prompt: 'p', cfg_scale: 0.3 });
    expect(envelope).toMatchObject({
      requestedSeconds: '5',
      mode: 'std',
      requestedResolution: '720p',
      audio: false,
    });
    expect(envelope.klingBody).toEqual({
      model_name: 'kling-v1-6',
      prompt: 'p',
      cfg_scale: 0.3,
      mode: 'std',
      aspect_ratio: '16:9',
      duration: '5',
    });
  });

  test('the requested duration is kept exactly, as a decimal string', () => {
    expect(normalizeRequest({ model_name: 'acme-video', prompt: 'p', duration: 7.3 }).requestedSeconds).toBe(
      '7.3',
    );
    expect(
      normalizeRequest({ model_name: 'acme-video', prompt: 'p', duration: '0.25' }).requestedSeconds,
    ).toBe('0.25');
    const v3 = normalizeRequest({ model_name: 'kling-v3', prompt: 'p', duration: '12.0' });
    expect(v3.requestedSeconds).toBe('12');
    expect(v3.klingBody['duration']).toBe('12');
    expect(
      normalizeRequest({ model_name: 'kling-v3', prompt: 'p', resolution: '4k' }).requestedResolution,
    ).toBe('4k');
  });

  test('image2video: start and end frame, no aspect ratio; two stills are multi-image', () => {
    const envelope = normalizeRequest({
      model_name: 'kling-v2-5-turbo',
      mode: 'pro',
      image: 'https://e.com/a.png',
      image_tail: 'https://e.com/b.png',
      aspect_ratio: '9:16',
    });
    expect(envelope.family).toBe('image2video');
    expect(envelope.inputType).toBe('multi-image');
    expect(envelope.klingBody).toEqual({
      model_name: 'kling-v2-5-turbo',
      image: 'https://e.com/a.png',
      image_tail: 'https://e.com/b.png',
      mode: 'pro',
      duration: '5',
    });
    expect(normalizeRequest({ model_name: 'kling-v3', image: 'aGVsbG8=' }).inputType).toBe('image');
  });

  test('multi-image2video: every image_list spelling becomes {image}', () => {
    const envelope = normalizeRequest({
      model_name: 'kling-v1-6',
      prompt: 'p',
      duration: 10,
      image_list: [
        'https://e.com/1.png',
        { image: 'https://e.com/2.png' },
        { image_url: 'https://e.com/3.png' },
      ],
    });
    expect(envelope.family).toBe('multi-image2video');
    expect(envelope.inputType).toBe('multi-image');
    expect(envelope.klingBody['image_list']).toEqual([
      { image: 'https://e.com/1.png' },
      { image: 'https://e.com/2.png' },
      { image: 'https://e.com/3.png' },
    ]);
    const single = normalizeRequest({
      model_name: 'kling-v1-6',
      prompt: 'p',
      image_list: ['https://e.com/1.png'],
    });
    expect(single.inputType).toBe('image');
  });

  test('omni-video: a bare image next to a video is a reference image; the video a feature reference', () => {
    const envelope = normalizeRequest({
      model_name: 'kling-video-o1',
      prompt: 'p',
      negative_prompt: 'blur',
      mode: 'pro',
      duration: 8,
      image: 'https://e.com/a.png',
      image_list: [{ image_url: 'https://e.com/style.png' }],
      video: 'https://e.com/v.mp4',
    });
    expect(envelope).toMatchObject({ family: 'omni-video', inputType: 'video', requestedSeconds: '8' });
    // negative_prompt is not an omni field: not sent.
    expect(envelope.klingBody).toEqual({
      model_name: 'kling-video-o1',
      image_list: [{ image_url: 'https://e.com/a.png' }, { image_url: 'https://e.com/style.png' }],
      video_list: [{ video_url: 'https://e.com/v.mp4', refer_type: 'feature', keep_original_sound: 'yes' }],
      prompt: 'p',
      mode: 'pro',
      aspect_ratio: '16:9',
      duration: '8',
    });
  });

  test('omni-video: a bare image alone is the first frame, and then aspect_ratio is not sent', () => {
    const envelope = normalizeRequest({
      model_name: 'kling-video-o1',
      prompt: 'p',
      duration: 5,
      aspect_ratio: '9:16',
      image: 'https://e.com/a.png',
      image_tail: 'https://e.com/b.png',
    });
    expect(envelope.klingBody).toEqual({
      model_name: 'kling-video-o1',
      image_list: [
        { image_url: 'https://e.com/a.png', type: 'first_frame' },
        { image_url: 'https://e.com/b.png', type: 'end_frame' },
      ],
      prompt: 'p',
      mode: 'std',
      duration: '5',
    });
  });

  test('omni-video: a base video edit bills the stated source length and sends no duration or aspect ratio', () => {
    const omni = normalizeRequest({
      model_name: 'kling-v3-omni',
      prompt: 'make it snow',
      duration: 7,
      aspect_ratio: '1:1',
      video_list: [{ video_url: 'https://e.com/v.mp4', refer_type: 'base', keep_original_sound: 'no' }],
    });
    expect(omni.requestedSeconds).toBe('7');
    expect(omni.klingBody).toEqual({
      model_name: 'kling-v3-omni',
      video_list: [{ video_url: 'https://e.com/v.mp4', refer_type: 'base', keep_original_sound: 'no' }],
      prompt: 'make it snow',
      mode: 'std',
      sound: 'off',
    });
    const textOnly = normalizeRequest({ model_name: 'kling-v3-omni', prompt: 'p', sound: 'on' });
    expect(textOnly).toMatchObject({ family: 'omni-video', inputType: 'text', audio: true });
    expect(textOnly.klingBody['sound']).toBe('on');
  });

  test('a model outside the table keeps a fractional request for billing and is sent the billed whole seconds', () => {
    const envelope = normalizeRequest({ model_name: 'acme-video', prompt: 'p', duration: 7.3 });
    expect(envelope.requestedSeconds).toBe('7.3');
    expect(envelope.klingBody['duration']).toBe('8');
    expect(
      normalizeRequest({ model_name: 'acme-video', prompt: 'p', duration: '0.25' }).klingBody,
    ).toMatchObject({ duration: '1' });
  });

  test('video-extend: video_id only, billed as video for 5 s', () => {
    const envelope = normalizeRequest({
      model_name: 'kling-v1-6',
      prompt: 'go on',
      video_id: 'v-1',
      cfg_scale: 0.4,
    });
    expect(envelope).toMatchObject({ family: 'video-extend', inputType: 'video', requestedSeconds: '5' });
    expect(envelope.klingBody).toEqual({ video_id: 'v-1', prompt: 'go on', cfg_scale: 0.4 });
    expect(
      normalizeRequest({ model_name: 'kling-v1-6', video_id: 'v-1', duration: '5.0' }).requestedSeconds,
    ).toBe('5');
  });

  test('a model outside the table: chosen by its inputs, sound only when the payload set it', () => {
    expect(normalizeRequest({ model_name: 'acme-video', prompt: 'p' }).klingBody).not.toHaveProperty('sound');
    expect(normalizeRequest({ model_name: 'acme-video', prompt: 'p', sound: 'off' }).klingBody['sound']).toBe(
      'off',
    );
    expect(normalizeRequest({ model_name: 'acme-video', video: 'https://e.com/v.mp4' }).family).toBe(
      'omni-video',
    );
    expect(normalizeRequest({ model_name: 'acme-video', prompt: 'p', image_list: ['a', 'b'] }).family).toBe(
      'multi-image2video',
    );
    expect(normalizeRequest({ model_name: 'acme-video', video_id: 'v' }).family).toBe('video-extend');
  });

  test('sound is sent as "off" to models that take it, and never to models without audio', () => {
    expect(normalizeRequest({ model_name: 'kling-v2-6', prompt: 'p' }).klingBody['sound']).toBe('off');
    expect(
      normalizeRequest({ model_name: 'kling-v3', prompt: 'p', generateAudio: true }).klingBody['sound'],
    ).toBe('on');
    expect(
      normalizeRequest({ model_name: 'kling-v1-6', prompt: 'p', generateAudio: false }).klingBody,
    ).not.toHaveProperty('sound');
    expect(
      normalizeRequest({ model_name: 'kling-v3', prompt: 'p', generateAudio: true, sound: 'on' }).audio,
    ).toBe(true);
  });

  test('camera_control goes to kling-v1 text2video and kling-v1-5 image2video only', () => {
    const camera = { type: 'simple', config: { zoom: 5 } };
    expect(
      normalizeRequest({ model_name: 'kling-v1', prompt: 'p', camera_control: camera }).klingBody,
    ).toMatchObject({ camera_control: camera });
    expect(
      normalizeRequest({ model_name: 'kling-v1-5', image: 'i', camera_control: camera }).klingBody,
    ).toMatchObject({ camera_control: camera });
    expect(issuesOf({ model_name: 'kling-v1-6', prompt: 'p', camera_control: camera })).toEqual([
      {
        path: 'camera_control',
        message:
          'not taken by kling-v1-6 on text2video; it exists only for kling-v1 text2video and kling-v1-5 image2video',
      },
    ]);
  });
});

describe('video extension', () => {
  const payload = { model_name: 'kling-v1-6', prompt: 'go on', video_id: 'v-1' };

  test("of a video this worker made: the source job's model and mode, billed for 5 s", () => {
    const envelope = normalizeRequest(payload, {
      extensionSource: { jobId: 'job-src', model: 'kling-v1-6', mode: 'pro' },
    });
    expect(envelope).toMatchObject({
      model: 'kling-v1-6',
      mode: 'pro',
      family: 'video-extend',
      requestedSeconds: '5',
      requestedResolution: '1080p',
    });
    expect(envelope.klingBody).toEqual({ video_id: 'v-1', prompt: 'go on' });
  });

  test('of a video made by a v2 or later model: refused, naming video_id and the source job', () => {
    const error = thrownBy(() =>
      normalizeRequest(payload, { extensionSource: { jobId: 'job-src', model: 'kling-v2-6', mode: 'pro' } }),
    ) as InvalidRequestError;
    expect(error.issues).toEqual([
      {
        path: 'video_id',
        message:
          'video v-1 was made by kling-v2-6 (job job-src); Kling extends only videos made by v1.x models',
      },
    ]);
  });

  test("of an unknown video: the payload's model and mode", () => {
    expect(normalizeRequest({ ...payload, mode: 'std' })).toMatchObject({ model: 'kling-v1-6', mode: 'std' });
  });

  test('extensionVideoId reads the id before normalizing, and nothing else', () => {
    expect(extensionVideoId(payload)).toBe('v-1');
    expect(extensionVideoId({ video_id: 7 })).toBeUndefined();
    expect(extensionVideoId(['v-1'])).toBeUndefined();
    expect(extensionVideoId(null)).toBeUndefined();
  });
});

describe('rejections', () => {
  test('every problem of a payload is reported together, each with its field path', () => {
    const issues = issuesOf({
      model_name: 'kling-v2-6',
      prompt: 'x'.repeat(2501),
      duration: 7,
      mode: 'fast',
      generateAudio: true,
      sound: 'off',
      image_list: ['a', 'b'],
      callback_url: 'https://evil.example',
      colour: 'red',
    });
    const paths = issues.map((issue) => issue.path).sort();
    expect(paths).toEqual(['callback_url', 'colour', 'duration', 'image_list', 'mode', 'prompt', 'sound']);
    expect(issues.find((issue) => issue.path === 'duration')?.message).toMatch(/allowed: 5, 10/);
    expect(issues.find((issue) => issue.path === 'mode')?.message).toMatch(/"std"\|"pro"/);
    expect(issues.find((issue) => issue.path === 'colour')?.message).toMatch(
      /unknown field; allowed: model_name/,
    );
    expect(issues.find((issue) => issue.path === 'image_list')?.message).toMatch(/kling-v1-6/);
  });

  test('the error message lists every issue with its path', () => {
    const error = thrownBy(() =>
      normalizeRequest({ model_name: 'kling-v3', duration: 16, external_task_id: 'job-1' }),
    );
    expect(error.message).toMatch(/duration: not allowed for kling-v3; allowed: whole seconds 3 to 15/);
    expect(error.message).toMatch(/external_task_id: set by the worker/);
    expect(error.message).toMatch(/prompt: required/);
  });

  test.each([
    ['not an object', ['a'], ''],
    ['model missing', { prompt: 'p' }, 'model_name'],
    ['audio on a model without audio', { model_name: 'kling-v1-6', prompt: 'p', sound: 'on' }, 'sound'],
    [
      'audio on kling-v2-6 std',
      { model_name: 'kling-v2-6', prompt: 'p', generateAudio: true },
      'generateAudio',
    ],
    [
      'audio with a reference video on kling-v3-omni',
      { model_name: 'kling-v3-omni', prompt: 'p', video: 'https://e.com/v.mp4', generateAudio: true },
      'generateAudio',
    ],
    ['a reference video on a non-omni model', { model_name: 'kling-v3', prompt: 'p', video: 'v' }, 'video'],
    ['video_id on a model without extension', { model_name: 'kling-v3', video_id: 'v' }, 'video_id'],
    ['video_id with an image', { model_name: 'kling-v1-6', video_id: 'v', image: 'i' }, 'image'],
    ['video_id with 10 s', { model_name: 'kling-v1-6', video_id: 'v', duration: 10 }, 'duration'],
    [
      'five images',
      { model_name: 'kling-v1-6', prompt: 'p', image_list: ['1', '2', '3', '4', '5'] },
      'image_list',
    ],
    [
      'image next to image_list',
      { model_name: 'kling-v1-6', prompt: 'p', image: 'i', image_list: ['1', '2'] },
      'image',
    ],
    [
      'frame type outside omni',
      { model_name: 'kling-v1-6', prompt: 'p', image_list: [{ image_url: '1', type: 'end_frame' }] },
      'image_list[0].type',
    ],
    [
      'two reference videos',
      { model_name: 'kling-video-o1', prompt: 'p', video: 'a', video_list: ['b'] },
      'video_list[0]',
    ],
    ['o1 for 11 s', { model_name: 'kling-video-o1', prompt: 'p', duration: 11 }, 'duration'],
    ['v3 for 4.5 s', { model_name: 'kling-v3', prompt: 'p', duration: 4.5 }, 'duration'],
    ['61 s on an unknown model', { model_name: 'acme-video', prompt: 'p', duration: 61 }, 'duration'],
    ['zero seconds', { model_name: 'acme-video', prompt: 'p', duration: '0' }, 'duration'],
    ['seconds in words', { model_name: 'kling-v3', prompt: 'p', duration: 'five' }, 'duration'],
    ['omni without prompt or references', { model_name: 'kling-video-o1' }, 'prompt'],
    [
      'camera_control on omni',
      { model_name: 'kling-video-o1', prompt: 'p', camera_control: {} },
      'camera_control',
    ],
    ['data: URL', { model_name: 'kling-v3', image: 'data:image/png;base64,AAAA' }, 'image'],
    ['cfg_scale above 1', { model_name: 'kling-v1-6', prompt: 'p', cfg_scale: 1.5 }, 'cfg_scale'],
  ])('%s', (_name, payload, path) => {
    expect(issuesOf(payload).map((issue) => issue.path)).toEqual([path]);
  });
});

describe('PortalPayload', () => {
  test('accepts the seed and rejects the worker-owned fields by name', () => {
    expect(PortalPayload.safeParse(seed).success).toBe(true);
    const result = PortalPayload.safeParse({ ...seed, callback_url: 'x', external_task_id: 'y' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'callback_url',
      'external_task_id',
    ]);
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
