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
