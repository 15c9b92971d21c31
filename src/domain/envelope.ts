import { z } from 'zod';
import { KlingFamily } from './family.js';
import { formatIssues, issuesFromZod, type Issue } from './issues.js';
import { KlingBody, klingBodyOf, takesCameraControl } from './kling-body.js';
import { capabilitiesOf, knownModels, type ModelCapabilities } from './models.js';
import { compareDecimals, fitsDecimalPlaces } from './money.js';
import { PortalPayload, payloadFields } from './payload.js';
import { References, familyOf, inputTypeOf, referencesOf } from './references.js';
import { DecimalString, InputType, Mode, Resolution } from './terms.js';

/**
 * A normalized request, persisted with its job: everything pricing and submission need, so nothing that
 * Kling returns ever flows into the price. Plain JSON (it travels in Temporal payloads and JSONB).
 */
export const RequestEnvelope = z.object({
  model: z.string().min(1),
  family: KlingFamily,
  inputType: InputType,
  /** The exact requested duration (billing.md §1); `"5"` when absent and for a video extension. */
  requestedSeconds: DecimalString,
  mode: Mode,
  requestedResolution: Resolution,
  /** Metadata only: audio does not change the price. */
  audio: z.boolean(),
  references: References,
  /** The body to POST to `familyPath[family]`, without `external_task_id` and `callback_url`. */
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
 * Validates a portal payload against its schema and the model table of kling-api.md, and normalizes it into
 * the envelope. Throws `InvalidRequestError` listing every problem of the payload at once.
 */
export function normalizeRequest(payload: unknown): RequestEnvelope {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidRequestError([{ path: '', message: 'expected a JSON object' }]);
  }
  const parsed = PortalPayload.safeParse(payload);
  const issues = parsed.success ? [] : issuesFromZod(parsed.error, { '': payloadFields });
  // With some fields invalid, the rules still run on the valid ones, so one pass reports every problem.
  const { fields, invalid } = parsed.success
    ? { fields: parsed.data, invalid: new Set<string>() }
    : validFieldsOf(payload as Record<string, unknown>);
  const envelope = envelopeOf(fields, invalid, issues);
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
): RequestEnvelope | undefined {
  const audio = audioOf(fields, issues);
  const model = fields.model_name;
  if (model === undefined) return undefined;
  const capabilities = capabilitiesOf(model);
  const mode = fields.mode ?? 'std';
  const references = referencesOf(fields);
  const family = familyOf(model, references);
  const referencesValid = referenceFields.every((key) => !invalid.has(key));

  if (referencesValid) {
    issues.push(...familyIssues({ model, capabilities, family, fields, references, invalid }));
  }
  if (!invalid.has('video_id')) issues.push(...durationIssues(model, capabilities, family, fields.duration));
  if (audio.on && referencesValid && !invalid.has('mode')) {
    issues.push(...audioIssues({ model, capabilities, family, mode, references, path: audio.path }));
  }

  const requestedSeconds = family === 'video-extend' ? defaultSeconds : (fields.duration ?? defaultSeconds);
  return {
    model,
    family,
    inputType: inputTypeOf(references),
    requestedSeconds,
    mode,
    // billing.md §5: without a resolution, the mode's own.
    requestedResolution: fields.resolution ?? (mode === 'pro' ? '1080p' : '720p'),
    audio: audio.on,
    references,
    klingBody: klingBodyOf({
      model,
      family,
      payload: fields,
      references,
      requestedSeconds,
      mode,
      aspectRatio: fields.aspect_ratio ?? '16:9',
      sound: soundOf(capabilities, family, audio),
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
function soundOf(
  capabilities: ModelCapabilities,
  family: KlingFamily,
  audio: Audio,
): 'on' | 'off' | undefined {
  if (family === 'video-extend' || capabilities.audio === 'never') return undefined;
  if (capabilities.audio === 'passthrough' && !audio.given) return undefined;
  return audio.on ? 'on' : 'off';
}

function modelsServing(family: KlingFamily): string {
  const models = Object.entries(knownModels)
    .filter(([, capabilities]) => capabilities.families?.includes(family))
    .map(([name]) => name);
  return [...models, 'a model outside the table'].join(', ');
}

interface RequestFacts {
  readonly model: string;
  readonly capabilities: ModelCapabilities;
  readonly family: KlingFamily;
  readonly fields: Partial<PortalPayload>;
  readonly references: References;
  readonly invalid: ReadonlySet<string>;
}

function familyIssues({ model, capabilities, family, fields, references, invalid }: RequestFacts): Issue[] {
  const issues: Issue[] = [];
  const videoField = fields.video === undefined ? 'video_list' : 'video';
  const served = capabilities.families;
  if (served !== null && !served.includes(family)) {
    const path =
      family === 'video-extend'
        ? 'video_id'
        : family === 'omni-video'
          ? videoField
          : family === 'multi-image2video'
            ? 'image_list'
            : 'model_name';
    issues.push({
      path,
      message: `${model} does not serve ${family} (it serves ${served.join(', ')}); models that do: ${modelsServing(family)}`,
    });
  }

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
    if (references.imageList.length > 4) {
      issues.push({ path: 'image_list', message: 'at most 4 images for multi-image2video' });
    }
    references.imageList.forEach((entry, index) => {
      if (entry.type !== undefined) {
        issues.push({
          path: `image_list[${index}].type`,
          message: `frame types are for omni models only (${modelsServing('omni-video')})`,
        });
      }
    });
  }
  if (family === 'omni-video' && references.videos.length > 1) {
    // More than one video means video_list holds at least one of them.
    issues.push({ path: 'video_list', message: 'at most one reference video (video or video_list)' });
  }

  const withoutReferences =
    references.image === undefined &&
    references.imageTail === undefined &&
    references.imageList.length === 0 &&
    references.videos.length === 0;
  const needsPrompt =
    family === 'text2video' ||
    family === 'multi-image2video' ||
    (family === 'omni-video' && withoutReferences);
  if (needsPrompt && !fields.prompt && !invalid.has('prompt')) {
    issues.push({
      path: 'prompt',
      message: `required (non-empty) for ${family}${family === 'omni-video' ? ' without references' : ''}`,
    });
  }
  if (fields.camera_control !== undefined && !takesCameraControl(family)) {
    issues.push({
      path: 'camera_control',
      message: `not accepted by ${family}; only text2video and image2video take it`,
    });
  }
  return issues;
}

function durationIssues(
  model: string,
  capabilities: ModelCapabilities,
  family: KlingFamily,
  duration: string | undefined,
): Issue[] {
  if (duration === undefined) return [];
  if (family === 'video-extend') {
    return compareDecimals(duration, defaultSeconds) === 0
      ? []
      : [
          {
            path: 'duration',
            message: `a video extension adds about 5 s; allowed: 5, or leave duration out`,
          },
        ];
  }
  const rule = capabilities.durations;
  switch (rule.kind) {
    case 'set':
      return rule.seconds.some((seconds) => compareDecimals(duration, String(seconds)) === 0)
        ? []
        : [{ path: 'duration', message: `not allowed for ${model}; allowed: ${rule.seconds.join(', ')}` }];
    case 'integers':
      return fitsDecimalPlaces(duration, 0) &&
        compareDecimals(duration, String(rule.min)) >= 0 &&
        compareDecimals(duration, String(rule.max)) <= 0
        ? []
        : [
            {
              path: 'duration',
              message: `not allowed for ${model}; allowed: whole seconds ${rule.min} to ${rule.max}`,
            },
          ];
    case 'positive':
      // The payload schema already holds every duration to the generic limit.
      return [];
  }
}

function audioIssues(facts: {
  model: string;
  capabilities: ModelCapabilities;
  family: KlingFamily;
  mode: Mode;
  references: References;
  path: Audio['path'];
}): Issue[] {
  const off = facts.path === 'generateAudio' ? 'false' : '"off"';
  const problem =
    facts.family === 'video-extend'
      ? 'a video extension takes no audio'
      : facts.capabilities.audio === 'never'
        ? `${facts.model} makes no audio`
        : facts.capabilities.audio === 'pro-only' && facts.mode === 'std'
          ? `${facts.model} makes audio in mode "pro" only, and the mode is "std"`
          : facts.capabilities.audio === 'without-reference-video' && facts.references.videos.length > 0
            ? `${facts.model} makes no audio together with a reference video`
            : undefined;
  return problem === undefined ? [] : [{ path: facts.path, message: `${problem}; allowed: ${off}` }];
}
