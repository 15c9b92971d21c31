import { z } from 'zod';
import type { KlingFamily } from '../../domain/family.js';
import {
  canonicalModel,
  checkModelRules,
  isV1Model,
  klingAnswers,
  maxMultiImages,
  rulesOf,
  takesAspectRatio,
  takesCfgScale,
  takesNegativePrompt,
  type Media,
  type Medium,
} from '../../domain/models.js';
import { Mode } from '../../domain/terms.js';

/** What the simulator keeps of a valid create body. */
export interface CreateSpec {
  /** The model that makes the video (`video-extend`: the source's). */
  readonly model: string;
  readonly mode: Mode;
  /** The requested duration in seconds (`video-extend`: the source video's plus about 5 s). */
  readonly seconds: number;
  /** Body fields Kling accepts and does not use (std + image_tail on kling-v2-6, say): a paid video without them. */
  readonly dropped: readonly string[];
  readonly callbackUrl?: string;
  readonly externalTaskId?: string;
  /** `new`: a create of the new API (src/kling/simulator/validate-new-create.ts). */
  readonly api?: 'new';
}

/** The video a `video-extend` continues, as the simulator made it. */
export interface SourceVideo {
  readonly model: string;
  readonly mode: Mode;
  readonly seconds: number;
}

export type CreateVerdict =
  | { readonly ok: true; readonly spec: CreateSpec }
  | { readonly ok: false; readonly code: 1200 | 1201; readonly message: string };

/** Seconds a `video-extend` call adds to its source (billing.md: "adds about 5 s per call"). */
const EXTEND_SECONDS = 5;
/**
 * Kling's default duration. A `base` video edit has its source's length, which the simulator cannot read from a
 * URL: it stands in for that too.
 */
const DEFAULT_SECONDS = 5;

// Images are URLs or raw Base64; Kling refuses a `data:` URI prefix.
const image = z
  .string()
  .min(1)
  .refine((value) => !value.startsWith('data:'), 'must be a URL or raw Base64 without a "data:" prefix');
const text = z.string().max(2500);

const common = {
  model_name: z.string().min(1),
  prompt: text.optional(),
  negative_prompt: text.optional(),
  cfg_scale: z.number().min(0).max(1).optional(),
  mode: Mode.optional(),
  aspect_ratio: z.enum(['16:9', '9:16', '1:1']).optional(),
  // A string of whole seconds on the wire ("5"): Kling takes no number and no fraction.
  duration: z.string().regex(/^\d+$/, 'must be whole seconds written as a string, e.g. "5"').optional(),
  sound: z.enum(['on', 'off']).optional(),
  camera_control: z.looseObject({}).optional(),
  callback_url: z.url().optional(),
  external_task_id: z.string().min(1).optional(),
};
const absent = z.never({ error: 'is not accepted on this endpoint' }).optional();

const bodies = {
  text2video: z.looseObject(common),
  image2video: z
    .looseObject({ ...common, image: image.optional(), image_tail: image.optional() })
    .refine((body) => body.image !== undefined || body.image_tail !== undefined, {
      message: 'image or image_tail is required',
      path: ['image'],
    }),
  'multi-image2video': z.looseObject({
    ...common,
    image_list: z.array(z.looseObject({ image })).min(1).max(maxMultiImages),
  }),
  'omni-video': z.looseObject({
    ...common,
    image_list: z
      .array(z.looseObject({ image_url: image, type: z.enum(['first_frame', 'end_frame']).optional() }))
      .optional(),
    video_list: z
      .array(
        z.looseObject({
          video_url: z.string().min(1),
          // Kling's own default is `base`: the video to edit.
          refer_type: z.enum(['base', 'feature']).default('base'),
          keep_original_sound: z.enum(['yes', 'no']).optional(),
        }),
      )
      .optional(),
  }),
  // kling-api.md: "no model, mode or duration".
  'video-extend': z.looseObject({
    video_id: z.string().min(1),
    prompt: text.optional(),
    negative_prompt: text.optional(),
    cfg_scale: z.number().min(0).max(1).optional(),
    callback_url: z.url().optional(),
    external_task_id: z.string().min(1).optional(),
    model_name: absent,
    mode: absent,
    duration: absent,
  }),
} satisfies Record<KlingFamily, z.ZodType>;

type Body = z.infer<(typeof bodies)['omni-video']> &
  z.infer<(typeof bodies)['image2video']> & { video_id?: string };

const invalid = (message: string): CreateVerdict => ({ ok: false, code: 1201, message });

/**
 * Kling's checks of a create body: its shape per endpoint, then the model rules of the domain's table
 * (src/domain/models.ts), answered as that table says Kling answers them. `sourceVideo` resolves a
 * `video-extend` video id to the video this simulator made, or `undefined` if unknown.
 */
export function validateCreate(
  family: KlingFamily,
  body: unknown,
  sourceVideo: (videoId: string) => SourceVideo | undefined,
): CreateVerdict {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, code: 1200, message: 'request body must be a JSON object' };
  }
  const parsed = bodies[family].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  const fields = parsed.data as Body;
  const delivery = {
    ...(fields.callback_url === undefined ? {} : { callbackUrl: fields.callback_url }),
    ...(fields.external_task_id === undefined ? {} : { externalTaskId: fields.external_task_id }),
  };

  if (family === 'video-extend') {
    const videoId = fields.video_id!;
    const source = sourceVideo(videoId);
    if (source === undefined) return invalid(`video_id: no video ${videoId}`);
    if (!isV1Model(source.model)) {
      return invalid(
        `video_id: video ${videoId} was made by ${source.model}; only v1.x videos can be extended`,
      );
    }
    return {
      ok: true,
      spec: {
        model: source.model,
        mode: source.mode,
        seconds: source.seconds + EXTEND_SECONDS,
        dropped: takesCfgScale(source.model) || fields.cfg_scale === undefined ? [] : ['cfg_scale'],
        ...delivery,
      },
    };
  }

  const model = fields.model_name;
  // The legacy API knows its own names: a new-API name, or a model only the new API serves, is none of its models.
  if (canonicalModel(model) !== model || rulesOf(model).newApi?.only === true) {
    return invalid(`model_name: ${model} is not a model of this API`);
  }
  const mode = fields.mode ?? 'std';
  const media = mediaOf(family, fields);
  const breaches = checkModelRules({
    model,
    family,
    mode,
    duration: fields.duration,
    audio: { sound: fields.sound, path: 'sound' },
    hasPrompt: (fields.prompt ?? '') !== '',
    cameraControl: fields.camera_control !== undefined,
    media,
  });
  const refusal = breaches.find((breach) => 'refuses' in klingAnswers[breach.rule]);
  if (refusal !== undefined) return invalid(`${refusal.path}: ${refusal.message}`);
  if (fields.negative_prompt !== undefined && !takesNegativePrompt(family)) {
    return invalid(`negative_prompt: not accepted on ${family}`);
  }

  const dropped = breaches.map((breach) => breach.path);
  if (fields.aspect_ratio !== undefined && !takesAspectRatio(family, media)) {
    // Omni ignores it next to a first frame; image2video and a base video edit take none.
    if (family === 'omni-video' && media.firstFrame !== undefined) dropped.push('aspect_ratio');
    else return invalid(`aspect_ratio: not accepted on ${family} with this input`);
  }
  if (fields.cfg_scale !== undefined && !takesCfgScale(model)) dropped.push('cfg_scale');
  const base = media.videos.some((video) => video.referType === 'base');
  const seconds = base ? DEFAULT_SECONDS : Number(fields.duration ?? DEFAULT_SECONDS);
  return { ok: true, spec: { model, mode, seconds, dropped, ...delivery } };
}

/** The roles of a body's media, with the body path of each. */
function mediaOf(family: KlingFamily, fields: Body): Media {
  if (family === 'image2video') {
    return {
      ...(fields.image === undefined ? {} : { firstFrame: { path: 'image' } }),
      ...(fields.image_tail === undefined ? {} : { endFrame: { path: 'image_tail' } }),
      referenceImages: [],
      extraFrames: [],
      videos: [],
    };
  }
  if (family !== 'omni-video') return { referenceImages: [], extraFrames: [], videos: [] };
  const entries = (fields.image_list ?? []).map((entry, index) => ({
    type: entry.type,
    path: `image_list[${index}]`,
  }));
  const frames = (type: 'first_frame' | 'end_frame'): Medium[] =>
    entries.filter((entry) => entry.type === type).map(({ path }) => ({ path: `${path}.type` }));
  const [firstFrame, ...extraFirsts] = frames('first_frame');
  const [endFrame, ...extraEnds] = frames('end_frame');
  return {
    ...(firstFrame === undefined ? {} : { firstFrame }),
    ...(endFrame === undefined ? {} : { endFrame }),
    referenceImages: entries.filter((entry) => entry.type === undefined).map(({ path }) => ({ path })),
    extraFrames: [...extraFirsts, ...extraEnds],
    videos: (fields.video_list ?? []).map((video, index) => ({
      path: `video_list[${index}]`,
      referType: video.refer_type,
    })),
  };
}
