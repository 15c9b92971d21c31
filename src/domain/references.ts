import { z } from 'zod';
import type { KlingFamily } from './family.js';
import { isOmniModel, type Media } from './models.js';
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

/**
 * The role Kling gives each medium of the payload, with the payload field it came from. The portal's payloads are
 * not Kling's (kling-api.md): on omni a bare `image` is a first frame only when it is the job's only medium (next to
 * an `image_tail`, the end frame), otherwise a reference image; untyped `image_list` entries are reference images.
 */
export function mediaOf(
  family: KlingFamily,
  references: References,
  /** Whether the first video came from the payload's bare `video` (the rest from `video_list`). */
  bareVideo: boolean,
): Media {
  const videos = references.videos.map((video, index) => ({
    path: bareVideo ? (index === 0 ? 'video' : `video_list[${index - 1}]`) : `video_list[${index}]`,
    referType: video.referType,
  }));
  const image = references.image === undefined ? undefined : { path: 'image' };
  const imageTail = references.imageTail === undefined ? undefined : { path: 'image_tail' };
  switch (family) {
    case 'image2video':
      return {
        ...(image === undefined ? {} : { firstFrame: image }),
        ...(imageTail === undefined ? {} : { endFrame: imageTail }),
        referenceImages: [],
        extraFrames: [],
        videos: [],
      };
    case 'omni-video': {
      const listed = references.imageList.map((entry, index) => ({ ...entry, path: `image_list[${index}]` }));
      const imageIsFrame = listed.length === 0 && videos.length === 0;
      const typed = (type: 'first_frame' | 'end_frame') =>
        listed.filter((entry) => entry.type === type).map(({ path }) => ({ path: `${path}.type` }));
      const firsts = [...(image !== undefined && imageIsFrame ? [image] : []), ...typed('first_frame')];
      const ends = [...(imageTail === undefined ? [] : [imageTail]), ...typed('end_frame')];
      return {
        ...(firsts[0] === undefined ? {} : { firstFrame: firsts[0] }),
        ...(ends[0] === undefined ? {} : { endFrame: ends[0] }),
        referenceImages: [
          ...(image !== undefined && !imageIsFrame ? [image] : []),
          ...listed.filter((entry) => entry.type === undefined).map(({ path }) => ({ path })),
        ],
        extraFrames: [...firsts.slice(1), ...ends.slice(1)],
        videos,
      };
    }
    case 'text2video':
    case 'multi-image2video':
    case 'video-extend':
      return { referenceImages: [], extraFrames: [], videos: [] };
  }
}
