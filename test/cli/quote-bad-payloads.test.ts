// Bad payloads through the real command (`kling-video quote -`): each must exit 2, print nothing on stdout,
// and name the bad field on stderr.
import { describe, expect, test } from 'vitest';
import { runCli } from './run-quote.js';

const ok = { model_name: 'kling-v2-6', prompt: 'A neon-lit drive', mode: 'pro', duration: 5 };

const badPayloads: [string, unknown, string][] = [
  ['model_name missing', { prompt: 'p' }, 'model_name'],
  ['model_name not a string', { ...ok, model_name: 26 }, 'model_name'],
  ['prompt not a string', { ...ok, prompt: ['p'] }, 'prompt'],
  ['prompt too long', { ...ok, prompt: 'x'.repeat(2501) }, 'prompt'],
  ['negative_prompt too long', { ...ok, negative_prompt: 'x'.repeat(2501) }, 'negative_prompt'],
  ['aspect_ratio outside the list', { ...ok, aspect_ratio: '4:3' }, 'aspect_ratio'],
  ['duration not a number', { ...ok, duration: 'five' }, 'duration'],
  ['duration negative', { ...ok, model_name: 'acme-video', duration: -5 }, 'duration'],
  ['duration over 60 s on an unknown model', { ...ok, model_name: 'acme-video', duration: 61 }, 'duration'],
  ['duration not allowed for kling-v2-6', { ...ok, duration: 7 }, 'duration'],
  [
    'duration not allowed for kling-video-o1',
    { ...ok, model_name: 'kling-video-o1', duration: 12 },
    'duration',
  ],
  ['fractional duration on kling-v3', { ...ok, model_name: 'kling-v3', duration: '7.5' }, 'duration'],
  ['cfg_scale above 1', { ...ok, cfg_scale: 1.2 }, 'cfg_scale'],
  ['cfg_scale a string', { ...ok, cfg_scale: '0.5' }, 'cfg_scale'],
  ['mode outside the list', { ...ok, mode: 'turbo' }, 'mode'],
  ['resolution outside the list', { ...ok, resolution: '8k' }, 'resolution'],
  ['generateAudio not a boolean', { ...ok, generateAudio: 'yes' }, 'generateAudio'],
  ['sound outside the list', { ...ok, sound: 'loud' }, 'sound'],
  ['conflicting generateAudio and sound', { ...ok, generateAudio: true, sound: 'off' }, 'sound'],
  [
    'audio on a model without audio',
    { ...ok, model_name: 'kling-v2-5-turbo', generateAudio: true },
    'generateAudio',
  ],
  ['audio on kling-v2-6 std', { ...ok, mode: 'std', sound: 'on' }, 'sound'],
  [
    'audio with a reference video on kling-v3-omni',
    { ...ok, model_name: 'kling-v3-omni', video: 'https://e.com/v.mp4', generateAudio: true },
    'generateAudio',
  ],
  ['unknown field', { ...ok, colour: 'red' }, 'colour'],
  ['callback_url is the worker’s', { ...ok, callback_url: 'https://e.com/hook' }, 'callback_url'],
  ['external_task_id is the worker’s', { ...ok, external_task_id: 'job-1' }, 'external_task_id'],
  [
    'image_list on a model without multi-image2video',
    { ...ok, image_list: ['https://e.com/1.png', 'https://e.com/2.png'] },
    'image_list',
  ],
  [
    'five images in image_list',
    { ...ok, model_name: 'kling-v1-6', mode: 'std', image_list: ['1', '2', '3', '4', '5'] },
    'image_list',
  ],
  [
    'image_list entry of the wrong shape',
    { ...ok, model_name: 'kling-v1-6', image_list: [{ url: 'https://e.com/1.png' }] },
    'image_list[0]',
  ],
  ['a reference video on a non-omni model', { ...ok, video: 'https://e.com/v.mp4' }, 'video'],
  ['video_id on a model that cannot extend', { ...ok, video_id: 'v-1' }, 'video_id'],
  ['image with a data: prefix', { ...ok, image: 'data:image/png;base64,AAAA' }, 'image'],
  ['camera_control not an object', { ...ok, camera_control: 'zoom' }, 'camera_control'],
  ['no prompt for text2video', { model_name: 'kling-v3' }, 'prompt'],
  ['not an object', ['kling-v2-6'], '(document)'],
];

describe.concurrent('kling-video quote rejects bad payloads', () => {
  test('the table is large enough', () => {
    expect(badPayloads.length).toBeGreaterThanOrEqual(20);
  });

  test.each(badPayloads.map(([name, payload, field]) => ({ name, payload, field })))(
    '$name → exit 2 naming $field',
    async ({ payload, field }) => {
      const result = await runCli(['quote', '-'], JSON.stringify(payload));
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`- ${field}: `);
    },
  );
});
