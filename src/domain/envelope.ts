import { z } from 'zod';
import { KlingFamily } from './family.js';
import { formatIssues, issuesFromZod, type Issue } from './issues.js';
import { KlingBody, klingBodyOf } from './kling-body.js';
import {
  apiOf,
  baseEditSeconds,
  canonicalModel,
  checkModelRules,
  durationProblem,
  isV1Model,
  maxMultiImages,
  modelsServing,
  rulesOf,
  type ModelRules,
} from './models.js';
import { compareDecimals, wholeSecondsUp } from './money.js';
import { PortalPayload, payloadFields } from './payload.js';
import { References, familyOf, inputTypeOf, mediaOf, referencesOf } from './references.js';
import { DecimalString, InputType, Mode, Resolution } from './terms.js';

/**
 * A normalized request, persisted with its job: everything pricing and submission need, so nothing that
 * Kling returns ever flows into the price. Plain JSON (it travels in Temporal payloads and JSONB).
 */
export const RequestEnvelope = z.object({
  /** The model's name in the model table (src/domain/models.ts): what it is checked and priced as. */
  model: z.string().min(1),
  /**
   * The name the request used when it is another name of `model` (the new API's: `kling-3.0` for `kling-v3`).
   * Absent when the request used `model` itself, and in envelopes from before aliases.
   */
  requestedModel: z.string().min(1).optional(),
  /**
   * `new` when the job goes to Kling's new API (decided at acceptance, from the model table and the configuration,
   * so every attempt of the job goes to the same API); absent: the legacy API.
   */
  api: z.literal('new').optional(),
  family: KlingFamily,
  inputType: InputType,
  /**
   * The exact requested duration (billing.md §1); `"5"` when absent and for a video extension; for a `base` video
   * edit the source's length the payload states (not sent to Kling).
   */
  requestedSeconds: DecimalString,
  mode: Mode,
  requestedResolution: Resolution,
  /** Metadata only: audio does not change the price. */
  audio: z.boolean(),
  references: References,
  /**
   * The request in the legacy API's vocabulary, without `external_task_id` and `callback_url`: the body POSTed to
   * `familyPath[family]`, and what the new API's body is rendered from (src/domain/new-api-body.ts) when `api` is
   * `new` — one normalized request, two renderings.
   */
  klingBody: KlingBody,
});
export type RequestEnvelope = z.infer<typeof RequestEnvelope>;

export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(readonly issues: Issue[]) {
    super(`invalid request:\n${formatIssues(issues)}`);
  }
}

/** Kling's default duration, billed when a request has none and for a video extension (billing.md §1). */
const defaultSeconds = '5';

const referenceFields = ['image', 'image_tail', 'image_list', 'video', 'video_list', 'video_id'] as const;

/**
 * The job that made the video a video extension continues, as the store knows it (found by the output video id).
 * Kling extends with the source's model and mode, so the job is billed with them.
 */
export interface ExtensionSource {
  readonly jobId: string;
  readonly model: string;
  readonly mode: Mode;
}

export interface RequestContext {
  /** Set when the payload's `video_id` is an output of a job of this worker. */
  readonly extensionSource?: ExtensionSource;
  /** Models both APIs serve that the configuration moves to the new one (canonical names); none by default. */
  readonly newApiModels?: ReadonlySet<string>;
}

/** The `video_id` a payload extends, if any: the caller looks its source job up before normalizing. */
export function extensionVideoId(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || !Object.hasOwn(payload, 'video_id'))
    return undefined;
  const videoId = (payload as { video_id: unknown }).video_id;
  return typeof videoId === 'string' && videoId !== '' ? videoId : undefined;
}

/**
 * Validates a portal payload against its schema and the model rules of kling-api.md, and normalizes it into the
 * envelope. Throws `InvalidRequestError` listing every problem of the payload at once.
 */
export function normalizeRequest(payload: unknown, context: RequestContext = {}): RequestEnvelope {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidRequestError([{ path: '', message: 'expected a JSON object' }]);
  }
  const parsed = PortalPayload.safeParse(payload);
  const issues = parsed.success ? [] : issuesFromZod(parsed.error, { '': payloadFields });
  // With some fields invalid, the rules still run on the valid ones, so one pass reports every problem.
  const { fields, invalid } = parsed.success
    ? { fields: parsed.data, invalid: new Set<string>() }
    : validFieldsOf(payload as Record<string, unknown>);
  const envelope = envelopeOf(fields, invalid, issues, context);
  if (envelope === undefined || issues.length > 0) throw new InvalidRequestError(issues);
  return envelope;
}

function validFieldsOf(payload: Record<string, unknown>): {
  fields: Partial<PortalPayload>;
  invalid: Set<string>;
} {
  // Each value is the output of its own field's schema, so the object is a partial payload.
  const fields: Record<string, unknown> = {};
  const invalid = new Set<string>();
  for (const [key, schema] of Object.entries(PortalPayload.shape)) {
    const result = schema.safeParse(Object.hasOwn(payload, key) ? payload[key] : undefined);
    if (!result.success) invalid.add(key);
    else if (result.data !== undefined) fields[key] = result.data;
  }
  return { fields, invalid };
}

function envelopeOf(
  fields: Partial<PortalPayload>,
  invalid: ReadonlySet<string>,
  issues: Issue[],
  context: RequestContext,
): RequestEnvelope | undefined {
  const audio = audioOf(fields, issues);
  // The name the request used: error messages speak of it; the table's name is what is checked and priced.
  const model = fields.model_name;
  if (model === undefined) return undefined;
  const rules = rulesOf(model);
  const api = apiOf(model, context.newApiModels ?? new Set());
  const mode = fields.mode ?? 'std';
  const references = referencesOf(fields);
  const family = familyOf(model, references);
  const media = mediaOf(family, references, fields.video !== undefined);
  const baseEdit = media.videos.some((video) => video.referType === 'base');
  const referencesValid = referenceFields.every((key) => !invalid.has(key));
  const durationValid = !invalid.has('duration') && !invalid.has('video_id');

  if (referencesValid) issues.push(...payloadShapeIssues(family, fields, references));
  // What is sent to Kling: whole seconds (a model outside the table is sent the billed `ceil`), none for a video
  // extension or a base video edit, whose lengths are not the request's to choose.
  const requested = fields.duration ?? defaultSeconds;
  const sentSeconds = family === 'video-extend' || baseEdit ? undefined : wholeSecondsUp(requested);
  {
    const breaches = checkModelRules({
      model,
      family,
      mode,
      duration: durationValid && sentSeconds !== undefined ? fields.duration : undefined,
      audio: {
        sound: !audio.given || (audio.on && invalid.has('mode')) ? undefined : audio.on ? 'on' : 'off',
        path: audio.path,
      },
      hasPrompt: fields.prompt !== undefined && fields.prompt !== '',
      cameraControl: fields.camera_control !== undefined,
      media,
      api,
      negativePrompt: fields.negative_prompt !== undefined,
    });
    for (const breach of breaches) {
      // With a media field invalid, the roles and the family are guesses: only the duration rule still holds.
      if (!referencesValid && breach.rule !== 'duration') continue;
      if (breach.rule === 'prompt' && invalid.has('prompt')) continue;
      if (breach.rule === 'family') issues.push(familyIssue(model, rules, family, fields));
      else issues.push({ path: breach.path, message: breach.message });
    }
  }
  if (durationValid) issues.push(...statedLengthIssues(family, baseEdit, fields.duration));

  const source = family === 'video-extend' ? context.extensionSource : undefined;
  if (source !== undefined && !isV1Model(source.model)) {
    issues.push({
      path: 'video_id',
      message: `video ${references.videoId} was made by ${source.model} (job ${source.jobId}); Kling extends only videos made by v1.x models`,
    });
  }

  const requestedSeconds = family === 'video-extend' ? defaultSeconds : requested;
  const billedModel = source?.model ?? canonicalModel(model);
  const billedMode = source?.mode ?? mode;
  return {
    model: billedModel,
    ...(source === undefined && billedModel !== model ? { requestedModel: model } : {}),
    ...(api === 'new' ? { api } : {}),
    family,
    inputType: inputTypeOf(references),
    requestedSeconds,
    mode: billedMode,
    // billing.md §5: without a resolution, the mode's own.
    requestedResolution: fields.resolution ?? (billedMode === 'pro' ? '1080p' : '720p'),
    // A model that always makes audio makes it whatever was asked (asking for none is refused above).
    audio: audio.on || rules.audio === 'always-on',
    references,
    klingBody: klingBodyOf({
      model: billedModel,
      family,
      payload: fields,
      references,
      media,
      seconds: sentSeconds,
      mode,
      aspectRatio: fields.aspect_ratio ?? '16:9',
      sound: soundOf(rules, family, audio),
    }),
  };
}

interface Audio {
  readonly on: boolean;
  readonly given: boolean;
  /** The field that asked for audio, for error messages. */
  readonly path: 'generateAudio' | 'sound';
}

function audioOf(fields: Partial<PortalPayload>, issues: Issue[]): Audio {
  const flag = fields.generateAudio;
  const sound = fields.sound === undefined ? undefined : fields.sound === 'on';
  if (flag !== undefined && sound !== undefined && flag !== sound) {
    issues.push({
      path: 'sound',
      message: `"${fields.sound}" conflicts with generateAudio: ${flag}; set one of them, or both alike`,
    });
  }
  return {
    on: flag ?? sound ?? false,
    given: flag !== undefined || sound !== undefined,
    path: flag === undefined ? 'sound' : 'generateAudio',
  };
}

/** `sound` goes only to models that take it; a model outside the table gets it only when the payload set it. */
function soundOf(rules: ModelRules, family: KlingFamily, audio: Audio): 'on' | 'off' | undefined {
  if (family === 'video-extend' || rules.audio === 'never') return undefined;
  if (rules.audio === 'passthrough' && !audio.given) return undefined;
  return audio.on || rules.audio === 'always-on' ? 'on' : 'off';
}

/** A model that does not serve the family its inputs lead to, named by the field that led there. */
function familyIssue(
  model: string,
  rules: ModelRules,
  family: KlingFamily,
  fields: Partial<PortalPayload>,
): Issue {
  const path =
    family === 'video-extend'
      ? 'video_id'
      : family === 'omni-video'
        ? fields.video === undefined
          ? 'video_list'
          : 'video'
        : family === 'multi-image2video'
          ? 'image_list'
          : 'model_name';
  const serving = [...modelsServing(family), 'a model outside the table'].join(', ');
  return {
    path,
    message: `${model} does not serve ${family} (it serves ${rules.families?.join(', ')}); models that do: ${serving}`,
  };
}

/** The payload's own shape rules: which fields go together in each family. */
function payloadShapeIssues(
  family: KlingFamily,
  fields: Partial<PortalPayload>,
  references: References,
): Issue[] {
  const issues: Issue[] = [];
  if (family === 'video-extend') {
    const others = [
      ['image', references.image !== undefined],
      ['image_tail', references.imageTail !== undefined],
      ['image_list', references.imageList.length > 0],
      ['video', fields.video !== undefined],
      ['video_list', (fields.video_list ?? []).length > 0],
    ] as const;
    for (const [path, present] of others) {
      if (present) issues.push({ path, message: 'not accepted together with video_id (a video extension)' });
    }
  }
  if (family === 'multi-image2video') {
    for (const path of ['image', 'image_tail'] as const) {
      if (fields[path] !== undefined) {
        issues.push({
          path,
          message: 'not accepted together with image_list (multi-image2video); add the image to image_list',
        });
      }
    }
    if (references.imageList.length > maxMultiImages) {
      issues.push({ path: 'image_list', message: `at most ${maxMultiImages} images for multi-image2video` });
    }
    references.imageList.forEach((entry, index) => {
      if (entry.type !== undefined) {
        issues.push({
          path: `image_list[${index}].type`,
          message: `frame types are for omni models only (${modelsServing('omni-video').join(', ')})`,
        });
      }
    });
  }
  return issues;
}

/** The durations a payload states but Kling is not sent: a video extension's and a base video edit's. */
function statedLengthIssues(family: KlingFamily, baseEdit: boolean, duration: string | undefined): Issue[] {
  if (family === 'video-extend') {
    return duration === undefined || compareDecimals(duration, defaultSeconds) === 0
      ? []
      : [
          {
            path: 'duration',
            message: 'a video extension adds about 5 s; allowed: 5, or leave duration out',
          },
        ];
  }
  if (!baseEdit || (duration !== undefined && durationProblem(baseEditSeconds, duration) === undefined)) {
    return [];
  }
  const { min, max } = baseEditSeconds;
  return [
    {
      path: 'duration',
      message: `${duration === undefined ? 'required' : 'not allowed'} for a base video edit: state the source video's length in whole seconds ${min} to ${max} (the output has that length; it is billed and not sent to Kling)`,
    },
  ];
}
