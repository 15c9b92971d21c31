import { z } from 'zod';
import type { KlingFamily } from '../../domain/family.js';
import {
  checkModelRules,
  klingAnswers,
  modelOfNewApiName,
  takesAspectRatio,
  type Media,
  type Medium,
} from '../../domain/models.js';
import type { CreateSpec, CreateVerdict } from './validate-create.js';

/** Kling's default duration, and the stand-in for a base video's length (see validate-create.ts). */
const DEFAULT_SECONDS = 5;

const url = z
  .string()
  .min(1)
  .refine((value) => !value.startsWith('data:'), 'must be a URL or raw Base64 without a "data:" prefix');
const id = z.string().min(1).optional();

/** `contents[]` of kling-api.md, "New design standard"; a prompt refers to media as `@image_1`. */
const Content = z.union([
  z.strictObject({ type: z.literal('prompt'), text: z.string().max(2500) }),
  z.strictObject({ type: z.enum(['first_frame', 'last_frame', 'refer_image']), url, id }),
  z.strictObject({ type: z.enum(['feature_video', 'base_video']), url, id }),
  z.strictObject({ type: z.literal('element'), element_id: z.string().min(1), id }),
]);
type Content = z.infer<typeof Content>;

const Settings = z.strictObject({
  resolution: z.enum(['720p', '1080p', '4k']).optional(),
  aspect_ratio: z.enum(['16:9', '9:16', '1:1']).optional(),
  // An int: the legacy API's string ("5") is not taken here.
  duration: z.number().int().positive().optional(),
  audio: z.enum(['native', 'off', 'original']).optional(),
  multi_shot: z.boolean().optional(),
});

const Options = z.strictObject({
  callback_url: z.url().optional(),
  external_task_id: z.string().min(1).optional(),
  watermark_info: z.strictObject({ enabled: z.boolean() }).optional(),
});

// Strict: the new API has no `mode`, `negative_prompt`, `cfg_scale`, `camera_control` or `model_name`; a client
// that sends them anyway is told so rather than quietly given a video without them.
const bodies = {
  text2video: z.strictObject({
    prompt: z.string().max(2500),
    settings: Settings.optional(),
    options: Options.optional(),
  }),
  image2video: z.strictObject({
    contents: z.array(Content).min(1),
    settings: Settings.optional(),
    options: Options.optional(),
  }),
  'omni-video': z.strictObject({
    contents: z.array(Content).min(1),
    settings: Settings.optional(),
    options: Options.optional(),
  }),
};

const invalid = (message: string): CreateVerdict => ({ ok: false, code: 1201, message });

/**
 * Kling's checks of a new-API create (`POST /<product>/{model}`): the body's shape, then the same model rules as the
 * legacy API's (src/domain/models.ts), answered as that table says Kling answers them. `undefined` when the path
 * names no model the new API serves on this product (Kling: 1203, resource not found).
 */
export function validateNewCreate(
  family: 'text2video' | 'image2video' | 'omni-video',
  modelName: string,
  body: unknown,
): CreateVerdict | undefined {
  const model = modelOfNewApiName(modelName);
  if (model === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, code: 1200, message: 'request body must be a JSON object' };
  }
  const parsed = bodies[family].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // An unknown field is named by its own path: `negative_prompt: not a field of the new API`.
    if (issue?.code === 'unrecognized_keys') {
      return invalid(`${[...issue.path, issue.keys[0]].join('.')}: not a field of the new API`);
    }
    return invalid(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  const fields = parsed.data;
  const contents: readonly Content[] = 'contents' in fields ? fields.contents : [];
  const settings = fields.settings ?? {};
  const prompt = 'prompt' in fields ? fields.prompt : promptOf(contents);

  const media = mediaOf(family, contents);
  const misplaced = misplacedMedium(family, contents);
  if (misplaced !== undefined) return invalid(misplaced);
  const videos = contents.some(
    (content) => content.type === 'feature_video' || content.type === 'base_video',
  );
  if (settings.audio === 'original' && (family !== 'omni-video' || !videos)) {
    return invalid('settings.audio: "original" keeps a reference video’s sound; this request has none');
  }
  const resolution = settings.resolution ?? '720p';
  const breaches = checkModelRules({
    model,
    family,
    // Rules written in the legacy API's modes read the resolution the new API takes instead (std 720p, pro 1080p).
    mode: resolution === '720p' ? 'std' : 'pro',
    duration: settings.duration === undefined ? undefined : String(settings.duration),
    audio: {
      sound: settings.audio === 'native' ? 'on' : settings.audio === 'off' ? 'off' : undefined,
      path: 'settings.audio',
    },
    hasPrompt: (prompt ?? '') !== '',
    cameraControl: false,
    media,
    api: 'new',
    resolution,
    paths: { duration: 'settings.duration', prompt: family === 'text2video' ? 'prompt' : 'contents' },
  });
  const refusal = breaches.find((breach) => 'refuses' in klingAnswers[breach.rule]);
  if (refusal !== undefined) return invalid(`${refusal.path}: ${refusal.message}`);

  const dropped = breaches.map((breach) => breach.path);
  if (settings.aspect_ratio !== undefined && !takesAspectRatio(family, media)) {
    if (family === 'omni-video' && media.firstFrame !== undefined) dropped.push('settings.aspect_ratio');
    else return invalid(`settings.aspect_ratio: not accepted on ${family} with this input`);
  }
  const base = media.videos.some((video) => video.referType === 'base');
  const spec: CreateSpec = {
    api: 'new',
    model,
    mode: resolution === '720p' ? 'std' : 'pro',
    seconds: base ? DEFAULT_SECONDS : (settings.duration ?? DEFAULT_SECONDS),
    dropped,
    ...(fields.options?.callback_url === undefined ? {} : { callbackUrl: fields.options.callback_url }),
    ...(fields.options?.external_task_id === undefined
      ? {}
      : { externalTaskId: fields.options.external_task_id }),
  };
  return { ok: true, spec };
}

function promptOf(contents: readonly Content[]): string | undefined {
  const prompt = contents.find((content) => content.type === 'prompt');
  return prompt?.type === 'prompt' ? prompt.text : undefined;
}

/** image-to-video takes frames only: a reference image, a video or an element belongs to omni-video. */
function misplacedMedium(family: KlingFamily, contents: readonly Content[]): string | undefined {
  if (family !== 'image2video') return undefined;
  const index = contents.findIndex(
    (content) => content.type !== 'prompt' && content.type !== 'first_frame' && content.type !== 'last_frame',
  );
  if (index >= 0) return `contents[${index}].type: not accepted on image-to-video`;
  for (const type of ['first_frame', 'last_frame'] as const) {
    const frames = contents.filter((content) => content.type === type).length;
    if (frames > 1) return `contents: at most one ${type}; got ${frames}`;
  }
  return contents.some((content) => content.type === 'first_frame' || content.type === 'last_frame')
    ? undefined
    : 'contents: a first_frame or last_frame is required on image-to-video';
}

/** The roles of the contents, with the body path of each, for the model rules. */
function mediaOf(family: KlingFamily, contents: readonly Content[]): Media {
  const at = (type: Content['type']): Medium[] =>
    contents.flatMap((content, index) => (content.type === type ? [{ path: `contents[${index}]` }] : []));
  const [firstFrame, ...extraFirsts] = at('first_frame');
  const [endFrame, ...extraEnds] = at('last_frame');
  const frames = {
    ...(firstFrame === undefined ? {} : { firstFrame }),
    ...(endFrame === undefined ? {} : { endFrame }),
  };
  if (family !== 'omni-video') {
    return { ...frames, referenceImages: [], extraFrames: [...extraFirsts, ...extraEnds], videos: [] };
  }
  return {
    ...frames,
    // Elements count with the images (kling-api.md: "images + elements ≤ 7, or ≤ 4 with a video").
    referenceImages: [...at('refer_image'), ...at('element')],
    extraFrames: [...extraFirsts, ...extraEnds],
    videos: contents.flatMap((content, index) =>
      content.type === 'feature_video' || content.type === 'base_video'
        ? [
            {
              path: `contents[${index}]`,
              referType: content.type === 'base_video' ? 'base' : 'feature',
            } as const,
          ]
        : [],
    ),
  };
}
