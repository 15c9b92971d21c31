import { z } from 'zod';
import type { KlingFamily } from '../../domain/family.js';
import { capabilitiesOf, type DurationRule } from '../../domain/models.js';
import { Mode } from '../../domain/terms.js';

/** What the simulator keeps of a valid create body. */
export interface CreateSpec {
  readonly model: string | null;
  readonly mode: Mode;
  /** The requested duration in seconds (`video-extend`: the source video's plus about 5 s). */
  readonly seconds: number;
  readonly callbackUrl?: string;
  readonly externalTaskId?: string;
}

export type CreateVerdict =
  | { readonly ok: true; readonly spec: CreateSpec }
  | { readonly ok: false; readonly code: 1200 | 1201; readonly message: string };

/** Seconds a `video-extend` call adds to its source (billing.md: "adds about 5 s per call"). */
const EXTEND_SECONDS = 5;
const DEFAULT_DURATION = '5';

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
  // A string on the wire ("5"), never a number.
  duration: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number written as a string, e.g. "5"')
    .optional(),
  sound: z.enum(['on', 'off']).optional(),
  camera_control: z.looseObject({}).optional(),
  callback_url: z.url().optional(),
  external_task_id: z.string().min(1).optional(),
};
const absent = z.never({ error: 'is not accepted on this endpoint' }).optional();

const bodies = {
  text2video: z.looseObject({ ...common, prompt: text.min(1) }),
  image2video: z
    .looseObject({ ...common, aspect_ratio: absent, image: image.optional(), image_tail: image.optional() })
    .refine((body) => body.image !== undefined || body.image_tail !== undefined, {
      message: 'image or image_tail is required',
      path: ['image'],
    }),
  'multi-image2video': z.looseObject({
    ...common,
    prompt: text.min(1),
    image_list: z.array(z.looseObject({ image })).min(1).max(4),
  }),
  'omni-video': z
    .looseObject({
      ...common,
      image_list: z
        .array(z.looseObject({ image_url: image, type: z.enum(['first_frame', 'end_frame']).optional() }))
        .optional(),
      video_list: z
        .array(
          z.looseObject({
            video_url: z.string().min(1),
            refer_type: z.enum(['base', 'feature']),
            keep_original_sound: z.enum(['yes', 'no']),
          }),
        )
        .max(1)
        .optional(),
    })
    .refine(
      (body) =>
        (body.prompt ?? '') !== '' || (body.image_list?.length ?? 0) + (body.video_list?.length ?? 0) > 0,
      { message: 'prompt is required without image_list or video_list', path: ['prompt'] },
    ),
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

function durationAllowed(rule: DurationRule, seconds: number): boolean {
  switch (rule.kind) {
    case 'set':
      return rule.seconds.includes(seconds);
    case 'integers':
      return Number.isInteger(seconds) && seconds >= rule.min && seconds <= rule.max;
    case 'positive':
      return seconds > 0 && seconds <= rule.max;
  }
}

const invalid = (message: string): CreateVerdict => ({ ok: false, code: 1201, message });

/**
 * Kling's per-endpoint and per-model checks, the model rules read from the capability table.
 * `sourceSeconds` resolves a `video-extend` source video id to its duration, or `undefined` if unknown.
 */
export function validateCreate(
  family: KlingFamily,
  body: unknown,
  sourceSeconds: (videoId: string) => number | undefined,
): CreateVerdict {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, code: 1200, message: 'request body must be a JSON object' };
  }
  const parsed = bodies[family].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  const fields = parsed.data as Record<string, unknown> & {
    callback_url?: string;
    external_task_id?: string;
  };
  const delivery = {
    ...(fields.callback_url === undefined ? {} : { callbackUrl: fields.callback_url }),
    ...(fields.external_task_id === undefined ? {} : { externalTaskId: fields.external_task_id }),
  };

  if (family === 'video-extend') {
    const videoId = fields.video_id as string;
    const source = sourceSeconds(videoId);
    if (source === undefined) return invalid(`video_id: no video ${videoId}`);
    return { ok: true, spec: { model: null, mode: 'std', seconds: source + EXTEND_SECONDS, ...delivery } };
  }

  const model = fields.model_name as string;
  const mode = (fields.mode as Mode | undefined) ?? 'std';
  const capabilities = capabilitiesOf(model);
  if (capabilities.families !== null && !capabilities.families.includes(family)) {
    return invalid(`model_name: ${model} is not available on ${family}`);
  }
  const seconds = Number((fields.duration as string | undefined) ?? DEFAULT_DURATION);
  if (!durationAllowed(capabilities.durations, seconds)) {
    return invalid(`duration: ${seconds} s is not supported by ${model}`);
  }
  if (fields.sound === 'on') {
    const hasReferenceVideo = ((fields.video_list as unknown[] | undefined)?.length ?? 0) > 0;
    const refusal = {
      never: `${model} does not generate audio`,
      'pro-only': mode === 'pro' ? null : `${model} generates audio in pro mode only`,
      always: null,
      'without-reference-video': hasReferenceVideo ? `${model} cannot add audio to a reference video` : null,
      passthrough: null,
    }[capabilities.audio];
    if (refusal !== null) return invalid(`sound: ${refusal}`);
  }
  return { ok: true, spec: { model, mode, seconds, ...delivery } };
}
