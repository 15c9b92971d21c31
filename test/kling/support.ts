import { expect, vi } from 'vitest';
import type { KlingFamily } from '../../src/domain/family.js';
import type { KlingClient } from '../../src/kling/client.js';
import type { Simulator } from '../../src/kling/simulator/simulator.js';
import type { KlingTask } from '../../src/kling/task.js';

/** Lifecycle delays of 2 ms and 30 ms: a task ends within a few event-loop turns. */
export const FAST = { timeScale: 0.001, jitter: 0 } as const;

/** A valid create body per family (except video-extend, which needs a previous output video). */
export const bodies = {
  text2video: {
    model_name: 'kling-v2-6',
    mode: 'pro',
    prompt: 'a fox in snow',
    duration: '5',
    sound: 'on',
    aspect_ratio: '16:9',
  },
  /** A v1.x video: the only kind Kling extends. */
  text2videoV1: {
    model_name: 'kling-v1-6',
    mode: 'pro',
    prompt: 'a lighthouse at dusk',
    duration: '5',
  },
  image2video: {
    model_name: 'kling-v3',
    mode: 'std',
    prompt: 'it starts walking',
    image: 'https://example.com/start.png',
    image_tail: 'iVBORw0KGgoAAAANSUhEUg',
    duration: '7',
  },
  'multi-image2video': {
    model_name: 'kling-v1-6',
    prompt: 'two friends meet',
    image_list: [{ image: 'https://example.com/1.png' }, { image: 'https://example.com/2.png' }],
    duration: '10',
    cfg_scale: 0.5,
  },
  'omni-video': {
    model_name: 'kling-video-o1',
    mode: 'pro',
    prompt: 'the cat of <<<image_1>>> dances',
    image_list: [{ image_url: 'https://example.com/cat.png', type: 'first_frame' }],
    video_list: [
      { video_url: 'https://example.com/ref.mp4', refer_type: 'feature', keep_original_sound: 'no' },
    ],
    duration: '8',
  },
} satisfies Partial<Record<KlingFamily | 'text2videoV1', Record<string, unknown>>>;

export async function waitForEnd(
  client: KlingClient,
  family: KlingFamily,
  taskId: string,
): Promise<KlingTask> {
  return vi.waitFor(
    async () => {
      const task = await client.getTask(family, taskId);
      if (task.status !== 'succeed' && task.status !== 'failed') throw new Error(`still ${task.status}`);
      return task;
    },
    { timeout: 10_000, interval: 10 },
  );
}

/** A raw GET, to assert the exact wire shape the client normalizes. */
export async function rawGet(url: string, apiKey: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: response.status, body: await response.json() };
}

/** The JWT credentials a simulator accepts (access key + secret key). */
export const jwtAuth = ({ credentials }: Simulator) => ({
  accessKey: credentials.accessKey,
  secretKey: credentials.secretKey,
});

// Asymmetric matchers typed `unknown`, so object literals holding them stay free of `any`.
export const anyString: unknown = expect.any(String);
export const anyNumber: unknown = expect.any(Number);
export const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
