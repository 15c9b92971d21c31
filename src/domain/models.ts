// Kling's model rules (kling-api.md, "Legacy: model rules" and "New design standard"), in one place: the worker
// validates a job with them before accepting it, and the simulator refuses with them what Kling refuses, on either
// API generation. Only the rules the page does not mark uncertain are here. The table is keyed by the canonical
// model name — the legacy one where the legacy API serves the model — and `rulesOf` is the one lookup: it resolves
// the new API's names (`kling-3.0` for `kling-v3`, …), which are the same models with the same rules.
import type { KlingApi, KlingFamily } from './family.js';
import { compareDecimals, fitsDecimalPlaces } from './money.js';
import type { Mode, Resolution } from './terms.js';

/** Allowed durations, in seconds. */
export type DurationRule =
  | { readonly kind: 'set'; readonly seconds: readonly number[] }
  | { readonly kind: 'integers'; readonly min: number; readonly max: number }
  /** Models outside the table: any positive request up to `max`, fractions included (sent rounded up). */
  | { readonly kind: 'positive'; readonly max: number }
  /** Kling takes no duration: a video extension, a `base` video edit. */
  | { readonly kind: 'none' };

/**
 * When `sound: "on"` (the new API's `audio: "native"`) is accepted:
 * - `never`: the model makes no audio;
 * - `pro-only`: only in `pro` mode (the new API: 2.6's native audio only at 1080p);
 * - `always`: any mode;
 * - `always-on`: the model always makes audio (kling-3.0-turbo), so asking for none is refused;
 * - `without-reference-video`: any mode, but not together with a reference video;
 * - `passthrough`: a model we do not know; Kling decides.
 */
export type AudioRule =
  'never' | 'pro-only' | 'always' | 'always-on' | 'without-reference-video' | 'passthrough';

/** Start and end frames. */
export interface FrameRule {
  /**
   * A start + end frame: `pro-only` — in `std` Kling accepts the request and silently drops the end frame; `never`
   * — the model takes a first frame only (kling-3.0-turbo).
   */
  readonly startAndEnd: 'any-mode' | 'pro-only' | 'never';
  /** An end frame without a start frame. */
  readonly endAlone: 'never' | 'pro-only';
}

/** The model on Kling's new API (kling-api.md, "New design standard"). */
export interface NewApiModel {
  /** Its name there: the last segment of the create path, e.g. `/text-to-video/kling-3.0`. Portals may use it too. */
  readonly name: string;
  /** `settings.resolution` values it takes. */
  readonly resolutions: readonly Resolution[];
  /** Only the new API serves it (no legacy page exists): its jobs always go there. */
  readonly only?: true;
}

export interface ModelRules {
  /** The families the model serves. `null` for a model outside the table: the inputs choose the family. */
  readonly families: readonly KlingFamily[] | null;
  /**
   * By what the model works from: text and frames only (`plain`), reference images, a feature video. A missing
   * entry falls back to the one before it (featureVideo → references → plain).
   */
  readonly durations: {
    readonly plain: DurationRule;
    readonly references?: DurationRule;
    readonly featureVideo?: DurationRule;
  };
  readonly audio: AudioRule;
  /**
   * image2video's start and end frames. Absent for omni models (the omni rules hold there) and for a model outside
   * the table (Kling decides).
   */
  readonly frames?: FrameRule;
  /** Omni models that need a prompt whatever the media (kling-v3-omni: unless multi-shot, which no payload asks). */
  readonly promptAlways?: true;
  /** Absent when the new API does not serve the model. */
  readonly newApi?: NewApiModel;
}

const fiveOrTen: DurationRule = { kind: 'set', seconds: [5, 10] };
const startAndEndInProOnly: FrameRule = { startAndEnd: 'pro-only', endAlone: 'never' };
// "4k exists for v3 / v3-omni (new API `settings.resolution: \"4k\"`)"; every model takes 720p and 1080p.
const hd: readonly Resolution[] = ['720p', '1080p'];
const hdAnd4k: readonly Resolution[] = ['720p', '1080p', '4k'];

/**
 * The model table of kling-api.md. The durations, audio and frame rules of a model served on both APIs are the
 * same on both: its new page's rules (2.6 native audio only at 1080p, …) say what its legacy page says.
 */
export const knownModels: Readonly<Record<string, ModelRules>> = {
  'kling-v1-6': {
    families: ['text2video', 'image2video', 'multi-image2video', 'video-extend'],
    durations: { plain: fiveOrTen },
    audio: 'never',
    // v1.x is the only generation that makes a video from an end frame alone (in pro).
    frames: { startAndEnd: 'pro-only', endAlone: 'pro-only' },
  },
  'kling-v2-5-turbo': {
    families: ['text2video', 'image2video'],
    durations: { plain: fiveOrTen },
    audio: 'never',
    frames: startAndEndInProOnly,
    newApi: { name: 'kling-2.5-turbo', resolutions: hd },
  },
  'kling-v2-6': {
    families: ['text2video', 'image2video'],
    durations: { plain: fiveOrTen },
    audio: 'pro-only',
    frames: startAndEndInProOnly,
    newApi: { name: 'kling-2.6', resolutions: hd },
  },
  'kling-v3': {
    families: ['text2video', 'image2video'],
    durations: { plain: { kind: 'integers', min: 3, max: 15 } },
    audio: 'always',
    frames: { startAndEnd: 'any-mode', endAlone: 'never' },
    newApi: { name: 'kling-3.0', resolutions: hdAnd4k },
  },
  // New API only: "720p/1080p, whole 3–15 s, first frame only (no last frame), audio always native".
  'kling-3.0-turbo': {
    families: ['text2video', 'image2video'],
    durations: { plain: { kind: 'integers', min: 3, max: 15 } },
    audio: 'always-on',
    frames: { startAndEnd: 'never', endAlone: 'never' },
    newApi: { name: 'kling-3.0-turbo', resolutions: hd, only: true },
  },
  'kling-video-o1': {
    families: ['omni-video'],
    durations: { plain: fiveOrTen, references: { kind: 'integers', min: 3, max: 10 } },
    audio: 'never',
    promptAlways: true,
    newApi: { name: 'kling-o1', resolutions: hd },
  },
  'kling-v3-omni': {
    families: ['omni-video'],
    durations: {
      plain: { kind: 'integers', min: 3, max: 15 },
      featureVideo: { kind: 'integers', min: 3, max: 10 },
    },
    audio: 'without-reference-video',
    promptAlways: true,
    newApi: { name: 'kling-3.0-omni', resolutions: hdAnd4k },
  },
};

/** The new API's names of the models the table keys by their legacy names: `kling-3.0` → `kling-v3`, … */
const aliases: ReadonlyMap<string, string> = new Map(
  Object.entries(knownModels).flatMap(([model, rules]) =>
    rules.newApi === undefined || rules.newApi.name === model ? [] : [[rules.newApi.name, model] as const],
  ),
);

/** The generic rules for any model name outside the table. */
export const unknownModel: ModelRules = {
  families: null,
  durations: { plain: { kind: 'positive', max: 60 } },
  audio: 'passthrough',
};

/**
 * The table's name of a model named either way (`kling-3.0` → `kling-v3`); a name outside the table is its own. Both
 * names are one model: the same rules and the same rate-card multiplier.
 */
export function canonicalModel(model: string): string {
  return aliases.get(model) ?? model;
}

/** The table's name of the model the new API serves under this path name; `undefined` when it serves none. */
export function modelOfNewApiName(name: string): string | undefined {
  const model = canonicalModel(name);
  return knownModels[model]?.newApi?.name === name ? model : undefined;
}

export function rulesOf(model: string): ModelRules {
  const canonical = canonicalModel(model);
  return Object.hasOwn(knownModels, canonical) ? knownModels[canonical]! : unknownModel;
}

/** The models both APIs serve: the ones the configuration may move to the new API (legacy by default). */
export function modelsServedByBothApis(): string[] {
  return Object.entries(knownModels)
    .filter(([, rules]) => rules.newApi !== undefined && rules.newApi.only !== true)
    .map(([model]) => model);
}

/**
 * The API generation a job of this model goes to: the new one for a model only it serves, or one of
 * `movedToNewApi` (canonical names, from the configuration); the legacy one otherwise — every model of the rate
 * card works there, and it stays the default ("no current plans for deprecation").
 */
export function apiOf(model: string, movedToNewApi: ReadonlySet<string>): KlingApi {
  const newApi = rulesOf(model).newApi;
  if (newApi === undefined) return 'legacy';
  return newApi.only === true || movedToNewApi.has(canonicalModel(model)) ? 'new' : 'legacy';
}

/** Models whose families are omni-video only take the omni body shape. */
export function isOmniModel(model: string): boolean {
  return rulesOf(model).families?.includes('omni-video') ?? false;
}

/** kling-v1, kling-v1-5, kling-v1-6 …: the generation `cfg_scale` and video extension are for. */
export function isV1Model(model: string): boolean {
  return /^kling-v1([-.]|$)/.test(model);
}

/** `cfg_scale` is ignored by v2.x and later, so it is only sent to v1.x models. */
export const takesCfgScale = isV1Model;

/** `camera_control` exists only for kling-v1 text2video and kling-v1-5 image2video; newer models ignore or refuse it. */
const cameraControlFamily: Readonly<Record<string, KlingFamily>> = {
  'kling-v1': 'text2video',
  'kling-v1-5': 'image2video',
};

export function takesCameraControl(model: string, family: KlingFamily): boolean {
  return Object.hasOwn(cameraControlFamily, model) && cameraControlFamily[model] === family;
}

/** `negative_prompt` is not an omni field. */
export function takesNegativePrompt(family: KlingFamily): boolean {
  return family !== 'omni-video';
}

/**
 * Whether the request's `aspect_ratio` means anything: image2video and omni with a first frame take it from the
 * image (omni ignores the field), a `base` video edit from its source (it takes none).
 */
export function takesAspectRatio(family: KlingFamily, media: Media): boolean {
  if (family === 'image2video' || family === 'video-extend') return false;
  if (family !== 'omni-video') return true;
  return media.firstFrame === undefined && !media.videos.some((video) => video.referType === 'base');
}

/** multi-image2video takes up to 4 images. */
export const maxMultiImages = 4;
/** Omni: images (and elements) at most 7, at most 4 next to a video; a single video. */
export const maxOmniImages = 7;
export const maxOmniImagesWithVideo = 4;
/** Omni: more than this many images allows no end frame. */
export const maxOmniImagesWithEndFrame = 2;
/** A `base` video edit has its source's length: the payload states it (billed, not sent). */
export const baseEditSeconds = { kind: 'integers', min: 3, max: 10 } as const satisfies DurationRule;

/** One medium of a request, with where the request gave it (for error messages). */
export interface Medium {
  readonly path: string;
}

/** The media of a request by the role Kling gives them. */
export interface Media {
  readonly firstFrame?: Medium;
  readonly endFrame?: Medium;
  /** Omni reference images (not frames). */
  readonly referenceImages: readonly Medium[];
  /** A second first frame or end frame. */
  readonly extraFrames: readonly Medium[];
  readonly videos: readonly (Medium & { readonly referType: 'base' | 'feature' })[];
}

/** What the model rules look at in a request, whether a portal payload (the worker) or a Kling body (the simulator). */
export interface RuleInput {
  readonly model: string;
  readonly family: KlingFamily;
  readonly mode: Mode;
  /** The duration asked of Kling, as a decimal string; `undefined` when none is sent (Kling's default, 5, fits every model). */
  readonly duration: string | undefined;
  /** `on` / `off` as asked (`undefined`: not asked), and by which field. */
  readonly audio: { readonly sound: 'on' | 'off' | undefined; readonly path: string };
  readonly hasPrompt: boolean;
  readonly cameraControl: boolean;
  readonly media: Media;
  /** The API generation the request goes to (absent: legacy), and the fields only that generation's rules look at. */
  readonly api?: KlingApi;
  readonly negativePrompt?: boolean;
  /** The new API's `settings.resolution`, as sent. */
  readonly resolution?: string;
  /** Where the request holds its duration and prompt, when not at `duration` and `prompt` (the new API's body). */
  readonly paths?: { readonly duration: string; readonly prompt: string };
}

export type RuleId =
  | 'family'
  | 'duration'
  | 'audio'
  | 'start-and-end-frames'
  | 'end-frame-alone'
  | 'end-frame-needs-first-frame'
  | 'end-frame-with-many-images'
  | 'image-count'
  | 'one-video'
  | 'one-frame-each'
  | 'base-video-frames'
  | 'prompt'
  | 'camera-control'
  | 'first-frame-only'
  | 'negative-prompt'
  | 'resolution';

/** What Kling does with a request that breaks a rule: refuses it with this code, or accepts it and drops the field. */
export type KlingAnswer = { readonly refuses: 1201 } | { readonly drops: 'end-frame' };

/** Kling's answer to each broken rule. The simulator answers so; the worker refuses every one before submitting. */
export const klingAnswers: Readonly<Record<RuleId, KlingAnswer>> = {
  family: { refuses: 1201 },
  duration: { refuses: 1201 },
  audio: { refuses: 1201 },
  // A paid video without the end frame that was asked for (kling-api.md, confirmed by two readings).
  'start-and-end-frames': { drops: 'end-frame' },
  'end-frame-alone': { refuses: 1201 },
  'end-frame-needs-first-frame': { refuses: 1201 },
  'end-frame-with-many-images': { refuses: 1201 },
  'image-count': { refuses: 1201 },
  'one-video': { refuses: 1201 },
  'one-frame-each': { refuses: 1201 },
  'base-video-frames': { refuses: 1201 },
  prompt: { refuses: 1201 },
  'camera-control': { refuses: 1201 },
  'first-frame-only': { refuses: 1201 },
  'negative-prompt': { refuses: 1201 },
  resolution: { refuses: 1201 },
};

export interface RuleBreach {
  readonly rule: RuleId;
  /** The field at fault, in the vocabulary of the request checked. */
  readonly path: string;
  readonly message: string;
}

/** The situation that picks a duration rule. */
function durationRuleOf(rules: ModelRules, family: KlingFamily, media: Media): DurationRule {
  if (family === 'video-extend') return { kind: 'none' };
  if (media.videos.some((video) => video.referType === 'base')) return { kind: 'none' };
  const { plain, references, featureVideo } = rules.durations;
  if (media.videos.length > 0) return featureVideo ?? references ?? plain;
  if (media.referenceImages.length > 0) return references ?? plain;
  return plain;
}

export function modelsServing(family: KlingFamily): string[] {
  return Object.entries(knownModels)
    .filter(([, rules]) => rules.families?.includes(family))
    .map(([name]) => name);
}

/** Every rule of the table the request breaks. */
export function checkModelRules(input: RuleInput): RuleBreach[] {
  const rules = rulesOf(input.model);
  const { model, family, mode, media } = input;
  const breaches: RuleBreach[] = [];
  const breach = (rule: RuleId, path: string, message: string) => breaches.push({ rule, path, message });

  if (rules.families !== null && !rules.families.includes(family)) {
    const serving = [...modelsServing(family), 'a model outside the table'].join(', ');
    breach(
      'family',
      'model_name',
      `${model} does not serve ${family} (it serves ${rules.families.join(', ')}); models that do: ${serving}`,
    );
  }

  const durationRule = durationRuleOf(rules, family, media);
  if (input.duration !== undefined) {
    const problem = durationProblem(durationRule, input.duration);
    if (problem !== undefined) {
      const why =
        family === 'video-extend'
          ? 'a video extension'
          : media.videos.some((video) => video.referType === 'base')
            ? 'a base video edit (the output has the source video’s length)'
            : `${model}${situationText(media)}`;
      breach('duration', input.paths?.duration ?? 'duration', `not allowed for ${why}; ${problem}`);
    }
  }

  if (input.audio.sound === 'off' && rules.audio === 'always-on') {
    breach(
      'audio',
      input.audio.path,
      `${model} always makes audio; leave ${input.audio.path} out or turn it on`,
    );
  }
  if (input.audio.sound === 'on') {
    const problem =
      family === 'video-extend'
        ? 'a video extension takes no audio'
        : rules.audio === 'never'
          ? `${model} makes no audio`
          : rules.audio === 'pro-only' && mode !== 'pro'
            ? `${model} makes audio in mode "pro" only, and the mode is "${mode}"`
            : rules.audio === 'without-reference-video' && media.videos.length > 0
              ? `${model} makes no audio together with a reference video`
              : undefined;
    if (problem !== undefined) breach('audio', input.audio.path, problem);
  }

  const { firstFrame, endFrame } = media;
  if (rules.frames !== undefined && family === 'image2video') {
    if (endFrame !== undefined && rules.frames.startAndEnd === 'never') {
      breach('first-frame-only', endFrame.path, `${model} takes a first frame only, no end frame`);
    } else if (firstFrame !== undefined && endFrame !== undefined) {
      if (rules.frames.startAndEnd === 'pro-only' && mode !== 'pro') {
        breach(
          'start-and-end-frames',
          endFrame.path,
          `${model} makes a video from a start and an end frame in mode "pro" only; in "${mode}" Kling ignores the end frame`,
        );
      }
    } else if (endFrame !== undefined) {
      const allowed = rules.frames.endAlone === 'pro-only' && mode === 'pro';
      if (!allowed) {
        breach(
          'end-frame-alone',
          endFrame.path,
          `an end frame without a start frame works only on v1.x models in mode "pro"${rules.frames.endAlone === 'pro-only' ? `, and the mode is "${mode}"` : ''}; add the start frame`,
        );
      }
    }
  }

  if (family === 'omni-video') {
    breaches.push(...omniBreaches(media));
    const promptNeeded =
      rules.promptAlways === true ||
      (media.referenceImages.length === 0 &&
        media.videos.length === 0 &&
        firstFrame === undefined &&
        endFrame === undefined);
    if (promptNeeded && !input.hasPrompt) {
      breach(
        'prompt',
        input.paths?.prompt ?? 'prompt',
        rules.promptAlways
          ? `required (non-empty) for ${model}`
          : 'required (non-empty) for omni-video without references',
      );
    }
  } else if ((family === 'text2video' || family === 'multi-image2video') && !input.hasPrompt) {
    breach('prompt', input.paths?.prompt ?? 'prompt', `required (non-empty) for ${family}`);
  }

  if (input.cameraControl && !takesCameraControl(model, family)) {
    breach(
      'camera-control',
      'camera_control',
      `not taken by ${model} on ${family}; it exists only for kling-v1 text2video and kling-v1-5 image2video`,
    );
  }

  if (input.api === 'new') {
    // The new API has no `negative_prompt`: sent anyway, the video would be made without it.
    if (input.negativePrompt === true) {
      breach('negative-prompt', 'negative_prompt', `not taken by Kling's new API, where ${model} goes`);
    }
    const resolutions = rules.newApi?.resolutions ?? [];
    if (input.resolution !== undefined && !resolutions.some((allowed) => allowed === input.resolution)) {
      breach('resolution', 'settings.resolution', `${model} takes ${resolutions.join(', ')}`);
    }
  }
  return breaches;
}

function omniBreaches(media: Media): RuleBreach[] {
  const breaches: RuleBreach[] = [];
  const { firstFrame, endFrame, referenceImages, videos } = media;
  const images =
    (firstFrame === undefined ? 0 : 1) + (endFrame === undefined ? 0 : 1) + referenceImages.length;
  const imagesPath = referenceImages[0]?.path ?? firstFrame?.path ?? endFrame?.path ?? 'image_list';
  const base = videos.find((video) => video.referType === 'base');
  for (const extra of media.extraFrames) {
    breaches.push({
      rule: 'one-frame-each',
      path: extra.path,
      message: 'at most one first frame and one end frame',
    });
  }
  if (videos.length > 1) {
    breaches.push({ rule: 'one-video', path: videos[1]!.path, message: 'at most one reference video' });
  }
  const maxImages = videos.length > 0 ? maxOmniImagesWithVideo : maxOmniImages;
  if (images > maxImages) {
    breaches.push({
      rule: 'image-count',
      path: imagesPath,
      message: `at most ${maxImages} images${videos.length > 0 ? ' next to a video' : ''}; got ${images}`,
    });
  }
  if (base !== undefined) {
    for (const frame of [firstFrame, endFrame]) {
      if (frame !== undefined) {
        breaches.push({
          rule: 'base-video-frames',
          path: frame.path,
          message: 'a base video edit takes no start or end frame',
        });
      }
    }
  } else if (endFrame !== undefined && firstFrame === undefined) {
    breaches.push({
      rule: 'end-frame-needs-first-frame',
      path: endFrame.path,
      message: 'an end frame needs a first frame',
    });
  } else if (endFrame !== undefined && images > maxOmniImagesWithEndFrame) {
    breaches.push({
      rule: 'end-frame-with-many-images',
      path: endFrame.path,
      message: `no end frame with more than ${maxOmniImagesWithEndFrame} images; got ${images}`,
    });
  }
  return breaches;
}

function situationText(media: Media): string {
  if (media.videos.length > 0) return ' with a reference video';
  if (media.referenceImages.length > 0) return ' with reference images';
  return '';
}

/** Why `seconds` breaks `rule`, naming what is allowed; `undefined` when it fits. */
export function durationProblem(rule: DurationRule, seconds: string): string | undefined {
  switch (rule.kind) {
    case 'set':
      return rule.seconds.some((allowed) => compareDecimals(seconds, String(allowed)) === 0)
        ? undefined
        : `allowed: ${rule.seconds.join(', ')}`;
    case 'integers':
      return fitsDecimalPlaces(seconds, 0) &&
        compareDecimals(seconds, String(rule.min)) >= 0 &&
        compareDecimals(seconds, String(rule.max)) <= 0
        ? undefined
        : `allowed: whole seconds ${rule.min} to ${rule.max}`;
    case 'positive':
      return compareDecimals(seconds, '0') > 0 && compareDecimals(seconds, String(rule.max)) <= 0
        ? undefined
        : `allowed: more than 0 and at most ${rule.max} seconds`;
    case 'none':
      return 'Kling takes no duration here; leave it out';
  }
}
