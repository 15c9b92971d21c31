import { z } from 'zod';
import type { KlingFamily } from './family.js';
import { isOmniModel } from './models.js';
import { FrameType, KeepOriginalSound, ReferType, type PortalPayload } from './payload.js';
import type { InputType } from './terms.js';

/**
 * The media a request refers to, in one shape whatever spelling the payload used: `video` and `video_list`
 * become `videos`; every `image_list` entry becomes `{ url, type? }`. Empty lists count as absent.
 */
export const References = z.object({
  image: z.string().optional(),
  imageTail: z.string().optional(),
  imageList: z.array(z.object({ url: z.string(), type: FrameType.optional() })),
  videos: z.array(z.object({ url: z.string(), referType: ReferType, keepOriginalSound: KeepOriginalSound })),
  videoId: z.string().optional(),
});
export type References = z.infer<typeof References>;

type ReferenceFields = Pick<
  PortalPayload,
  'image' | 'image_tail' | 'image_list' | 'video' | 'video_list' | 'video_id'
>;

// Kling's own defaults for a reference video: a style / camera reference whose sound is kept.
const defaultReferType: ReferType = 'feature';
const defaultKeepOriginalSound: KeepOriginalSound = 'yes';

export function referencesOf(fields: ReferenceFields): References {
  const imageList = (fields.image_list ?? []).map((entry) =>
    typeof entry === 'string'
      ? { url: entry }
      : 'image' in entry
        ? { url: entry.image }
        : { url: entry.image_url, ...(entry.type === undefined ? {} : { type: entry.type }) },
  );
  const videoEntries = [...(fields.video === undefined ? [] : [fields.video]), ...(fields.video_list ?? [])];
  const videos = videoEntries.map((entry) =>
    typeof entry === 'string'
      ? { url: entry, referType: defaultReferType, keepOriginalSound: defaultKeepOriginalSound }
      : {
          url: entry.video_url,
          referType: entry.refer_type ?? defaultReferType,
          keepOriginalSound: entry.keep_original_sound ?? defaultKeepOriginalSound,
        },
  );
  return {
    ...(fields.image === undefined ? {} : { image: fields.image }),
    ...(fields.image_tail === undefined ? {} : { imageTail: fields.image_tail }),
    imageList,
    videos,
    ...(fields.video_id === undefined ? {} : { videoId: fields.video_id }),
  };
}

/** Which endpoint serves the request: a video extension, an omni model or a reference video, then the stills. */
export function familyOf(model: string, references: References): KlingFamily {
  if (references.videoId !== undefined) return 'video-extend';
  if (isOmniModel(model) || references.videos.length > 0) return 'omni-video';
  if (references.imageList.length > 0) return 'multi-image2video';
  if (references.image !== undefined || references.imageTail !== undefined) return 'image2video';
  return 'text2video';
}

/** billing.md §4: any source video makes it `video`; otherwise the number of stills decides. */
export function inputTypeOf(references: References): InputType {
  if (references.videos.length > 0 || references.videoId !== undefined) return 'video';
  const stills =
    (references.image === undefined ? 0 : 1) +
    (references.imageTail === undefined ? 0 : 1) +
    references.imageList.length;
  return stills === 0 ? 'text' : stills === 1 ? 'image' : 'multi-image';
}
