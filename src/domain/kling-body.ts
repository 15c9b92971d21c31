import { z } from 'zod';
import type { KlingFamily } from './family.js';
import {
  takesAspectRatio,
  takesCameraControl,
  takesCfgScale,
  takesNegativePrompt,
  type Media,
} from './models.js';
import type { AspectRatio, PortalPayload } from './payload.js';
import type { References } from './references.js';
import type { Mode } from './terms.js';

/** The JSON body POSTed to a family's create path, before the worker adds `external_task_id` and `callback_url`. */
export const KlingBody = z.record(z.string(), z.json());
export type KlingBody = z.infer<typeof KlingBody>;

export interface KlingBodyInput {
  readonly model: string;
  readonly family: KlingFamily;
  readonly payload: Pick<PortalPayload, 'prompt' | 'negative_prompt' | 'cfg_scale' | 'camera_control'>;
  readonly references: References;
  readonly media: Media;
  /** Whole seconds as Kling takes them; `undefined` when Kling takes no duration (a base video edit). */
  readonly seconds: string | undefined;
  readonly mode: Mode;
  readonly aspectRatio: AspectRatio;
  /** `undefined` when the body must not carry `sound` at all. */
  readonly sound: 'on' | 'off' | undefined;
}

/** The create body, with only the fields the model takes (kling-api.md, "Legacy: model rules"). */
export function klingBodyOf(input: KlingBodyInput): KlingBody {
  const { payload, references, family, model } = input;
  const text = {
    ...(payload.prompt === undefined ? {} : { prompt: payload.prompt }),
    ...(payload.negative_prompt !== undefined && takesNegativePrompt(family)
      ? { negative_prompt: payload.negative_prompt }
      : {}),
    ...(payload.cfg_scale !== undefined && takesCfgScale(model) ? { cfg_scale: payload.cfg_scale } : {}),
  };
  // A video extension (the family of every request with a video_id) continues a video that already has its
  // model, mode and length.
  if (references.videoId !== undefined) return { video_id: references.videoId, ...text };

  return {
    model_name: model,
    ...mediaFieldsOf(family, references, input.media),
    ...text,
    mode: input.mode,
    ...(takesAspectRatio(family, input.media) ? { aspect_ratio: input.aspectRatio } : {}),
    ...(input.seconds === undefined ? {} : { duration: input.seconds }),
    ...(input.sound === undefined ? {} : { sound: input.sound }),
    ...(payload.camera_control !== undefined && takesCameraControl(model, family)
      ? { camera_control: payload.camera_control }
      : {}),
  };
}

function mediaFieldsOf(family: KlingFamily, references: References, media: Media): KlingBody {
  switch (family) {
    case 'image2video':
      return {
        ...(references.image === undefined ? {} : { image: references.image }),
        ...(references.imageTail === undefined ? {} : { image_tail: references.imageTail }),
      };
    case 'multi-image2video':
      return { image_list: references.imageList.map((entry) => ({ image: entry.url })) };
    case 'omni-video': {
      // Frames and references travel in image_list, in the payload's order (prompts refer to them by position).
      const images = [
        ...(references.image === undefined
          ? []
          : [
              {
                image_url: references.image,
                ...(media.firstFrame?.path === 'image' ? { type: 'first_frame' } : {}),
              },
            ]),
        ...(references.imageTail === undefined
          ? []
          : [{ image_url: references.imageTail, type: 'end_frame' }]),
        ...references.imageList.map((entry) => ({
          image_url: entry.url,
          ...(entry.type === undefined ? {} : { type: entry.type }),
        })),
      ];
      const videos = references.videos.map((video) => ({
        video_url: video.url,
        refer_type: video.referType,
        keep_original_sound: video.keepOriginalSound,
      }));
      return {
        ...(images.length === 0 ? {} : { image_list: images }),
        ...(videos.length === 0 ? {} : { video_list: videos }),
      };
    }
    case 'text2video':
    case 'video-extend':
      return {};
  }
}
