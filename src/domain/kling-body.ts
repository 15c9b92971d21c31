import { z } from 'zod';
import type { KlingFamily } from './family.js';
import { takesCfgScale } from './models.js';
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
  readonly requestedSeconds: string;
  readonly mode: Mode;
  readonly aspectRatio: AspectRatio;
  /** `undefined` when the body must not carry `sound` at all. */
  readonly sound: 'on' | 'off' | undefined;
}

export function klingBodyOf(input: KlingBodyInput): KlingBody {
  const { payload, references } = input;
  const text = {
    ...(payload.prompt === undefined ? {} : { prompt: payload.prompt }),
    ...(payload.negative_prompt === undefined ? {} : { negative_prompt: payload.negative_prompt }),
    ...(payload.cfg_scale !== undefined && takesCfgScale(input.model)
      ? { cfg_scale: payload.cfg_scale }
      : {}),
  };
  // A video extension (the family of every request with a video_id) continues a video that already has its
  // model, mode and length.
  if (references.videoId !== undefined) return { video_id: references.videoId, ...text };

  return {
    model_name: input.model,
    ...mediaOf(input.family, references),
    ...text,
    mode: input.mode,
    // image2video takes its aspect ratio from the image.
    ...(input.family === 'image2video' ? {} : { aspect_ratio: input.aspectRatio }),
    duration: input.requestedSeconds,
    ...(input.sound === undefined ? {} : { sound: input.sound }),
    ...(payload.camera_control !== undefined && takesCameraControl(input.family)
      ? { camera_control: payload.camera_control }
      : {}),
  };
}

export function takesCameraControl(family: KlingFamily): boolean {
  return family === 'text2video' || family === 'image2video';
}

function mediaOf(family: KlingFamily, references: References): KlingBody {
  switch (family) {
    case 'image2video':
      return {
        ...(references.image === undefined ? {} : { image: references.image }),
        ...(references.imageTail === undefined ? {} : { image_tail: references.imageTail }),
      };
    case 'multi-image2video':
      return { image_list: references.imageList.map((entry) => ({ image: entry.url })) };
    case 'omni-video': {
      // The start and end frames travel in image_list, typed, ahead of the other images.
      const images = [
        ...(references.image === undefined ? [] : [{ image_url: references.image, type: 'first_frame' }]),
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
