import { z } from 'zod';
import { boundedJson, MAX_PAYLOAD_DEPTH, ModelName, safeText } from './input-limits.js';
import { canonicalDecimal, compareDecimals, decimalFromNumber, plainDecimalPattern } from './money.js';
import { Mode, Resolution } from './terms.js';

/** The generic duration limit, for models outside the table (kling-api.md). */
export const maxRequestedSeconds = '60';

const Text = z.string().max(2500, 'at most 2500 characters').check(safeText('free-text'));

/** An image or video: a URL or raw Base64 (Kling rejects a `data:` prefix). */
const Media = z
  .string()
  .min(1, 'expected a URL or raw Base64, got an empty string')
  .refine((value) => !value.startsWith('data:'), 'raw Base64 without a "data:" prefix, or a URL')
  .check(safeText('identifier'));

export const AspectRatio = z.enum(['16:9', '9:16', '1:1']);
export type AspectRatio = z.infer<typeof AspectRatio>;

export const FrameType = z.enum(['first_frame', 'end_frame']);
export type FrameType = z.infer<typeof FrameType>;

export const ReferType = z.enum(['base', 'feature']);
export type ReferType = z.infer<typeof ReferType>;
export const KeepOriginalSound = z.enum(['yes', 'no']);
export type KeepOriginalSound = z.infer<typeof KeepOriginalSound>;

/**
 * A requested duration, as the canonical text of the exact value given (`5`, `"5"` and `"5.0"` are all
 * `"5"`; `7.3` stays `"7.3"`): never rounded, never through float arithmetic.
 */
const Seconds = z
  .union([z.number(), z.string()], {
    error: `expected seconds as a number or a numeric string, e.g. 5 or "5" (more than 0, at most ${maxRequestedSeconds})`,
  })
  .transform((value, ctx) => {
    const text = typeof value === 'number' && Number.isFinite(value) ? decimalFromNumber(value) : value;
    if (typeof text !== 'string' || !plainDecimalPattern.test(text)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a positive number of seconds at most ${maxRequestedSeconds}, e.g. 5 or "5"`,
      });
      return z.NEVER;
    }
    const seconds = canonicalDecimal(text);
    if (compareDecimals(seconds, '0') <= 0 || compareDecimals(seconds, maxRequestedSeconds) > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected more than 0 and at most ${maxRequestedSeconds} seconds`,
      });
      return z.NEVER;
    }
    return seconds;
  });

const ImageListEntry = z.union(
  [Media, z.strictObject({ image: Media }), z.strictObject({ image_url: Media, type: FrameType.optional() })],
  {
    error:
      'expected an image URL or Base64 string, {"image": …}, or {"image_url": …, "type"?: "first_frame" | "end_frame"}',
  },
);

const VideoListEntry = z.union(
  [
    Media,
    z.strictObject({
      video_url: Media,
      refer_type: ReferType.optional(),
      keep_original_sound: KeepOriginalSound.optional(),
    }),
  ],
  {
    error:
      'expected a video URL, or {"video_url": …, "refer_type"?: "base" | "feature", "keep_original_sound"?: "yes" | "no"}',
  },
);

const ownedByWorker = (why: string) => z.never({ error: `set by the worker (${why}); remove it` }).optional();

/**
 * The request a portal sends (the workflow input): Kling's own fields in Kling's spelling, plus the portal's
 * `generateAudio`. Only shapes are checked here; the rules that depend on the model (durations, families,
 * audio) live in `normalizeRequest`.
 */
export const PortalPayload = z.strictObject({
  model_name: ModelName,
  prompt: Text.optional(),
  negative_prompt: Text.optional(),
  aspect_ratio: AspectRatio.optional(),
  duration: Seconds.optional(),
  cfg_scale: z.number().min(0, 'expected 0 to 1').max(1, 'expected 0 to 1').optional(),
  mode: Mode.optional(),
  resolution: Resolution.optional(),
  generateAudio: z.boolean().optional(),
  sound: z.enum(['on', 'off']).optional(),
  image: Media.optional(),
  image_tail: Media.optional(),
  image_list: z.array(ImageListEntry).optional(),
  video: Media.optional(),
  video_list: z.array(VideoListEntry).optional(),
  video_id: z
    .string()
    .min(1, 'expected the id of a previous output video')
    .check(safeText('identifier'))
    .optional(),
  // Bounded before z.json() recurses into it: a 2,000-level object would overflow the stack (issue 13).
  camera_control: boundedJson(z.record(z.string(), z.json(), { error: 'expected a JSON object' }), {
    maxDepth: MAX_PAYLOAD_DEPTH,
    depth: 2,
  }).optional(),
  callback_url: ownedByWorker('it points Kling at this worker'),
  external_task_id: ownedByWorker('it is the job id, which makes submission idempotent'),
});
export type PortalPayload = z.infer<typeof PortalPayload>;

/** The fields a payload may set, for error messages. */
export const payloadFields = Object.keys(PortalPayload.shape).filter(
  (key) => key !== 'callback_url' && key !== 'external_task_id',
);
