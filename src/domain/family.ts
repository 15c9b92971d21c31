import { z } from 'zod';

/** Kling endpoint families (kling-api.md, "Endpoints"). A task can only be queried on the family that created it. */
export const KlingFamily = z.enum([
  'text2video',
  'image2video',
  'multi-image2video',
  'omni-video',
  'video-extend',
]);
export type KlingFamily = z.infer<typeof KlingFamily>;

/** The create / query path of each family. */
export const familyPath: Record<KlingFamily, string> = {
  text2video: '/v1/videos/text2video',
  image2video: '/v1/videos/image2video',
  'multi-image2video': '/v1/videos/multi-image2video',
  'omni-video': '/v1/videos/omni-video',
  'video-extend': '/v1/videos/video-extend',
};

/**
 * Kling's two API generations on one host (kling-api.md): the legacy one (`/v1/videos/*`, `model_name` in the body)
 * and the new design standard (the model in the path, `contents` / `settings` / `options`, batch queries).
 */
export const KlingApi = z.enum(['legacy', 'new']);
export type KlingApi = z.infer<typeof KlingApi>;

/**
 * The new API's create path of each family it serves, before `/{model}` (kling-api.md, "New design standard"): it
 * has no equivalent of multi-image2video or video-extend. Motion control (`/motion-control/{model}`) has no portal
 * request that maps to it.
 */
export const newApiFamilyPath: Partial<Record<KlingFamily, string>> = {
  text2video: '/text-to-video',
  image2video: '/image-to-video',
  'omni-video': '/omni-video',
};
