import type { KlingFamily } from './family.js';

/** Allowed requested durations, in seconds. */
export type DurationRule =
  | { readonly kind: 'set'; readonly seconds: readonly number[] }
  | { readonly kind: 'integers'; readonly min: number; readonly max: number }
  /** Models outside the table: any positive number up to `max`, fractions included. */
  | { readonly kind: 'positive'; readonly max: number };

/**
 * When `sound: "on"` is accepted:
 * - `never`: the model makes no audio;
 * - `pro-only`: only in `pro` mode;
 * - `always`: any mode;
 * - `without-reference-video`: any mode, but not together with a reference video;
 * - `passthrough`: a model we do not know; Kling decides.
 */
export type AudioRule = 'never' | 'pro-only' | 'always' | 'without-reference-video' | 'passthrough';

export interface ModelCapabilities {
  /** The families the model serves. `null` for a model outside the table: the inputs choose the family. */
  readonly families: readonly KlingFamily[] | null;
  readonly durations: DurationRule;
  readonly audio: AudioRule;
}

/** The model capability table of kling-api.md. */
export const knownModels: Readonly<Record<string, ModelCapabilities>> = {
  'kling-v1-6': {
    families: ['text2video', 'image2video', 'multi-image2video', 'video-extend'],
    durations: { kind: 'set', seconds: [5, 10] },
    audio: 'never',
  },
  'kling-v2-5-turbo': {
    families: ['text2video', 'image2video'],
    durations: { kind: 'set', seconds: [5, 10] },
    audio: 'never',
  },
  'kling-v2-6': {
    families: ['text2video', 'image2video'],
    durations: { kind: 'set', seconds: [5, 10] },
    audio: 'pro-only',
  },
  'kling-v3': {
    families: ['text2video', 'image2video'],
    durations: { kind: 'integers', min: 3, max: 15 },
    audio: 'always',
  },
  'kling-video-o1': {
    families: ['omni-video'],
    durations: { kind: 'integers', min: 3, max: 10 },
    audio: 'never',
  },
  'kling-v3-omni': {
    families: ['omni-video'],
    durations: { kind: 'integers', min: 3, max: 15 },
    audio: 'without-reference-video',
  },
};

/** The generic rules for any model name outside the table. */
export const unknownModel: ModelCapabilities = {
  families: null,
  durations: { kind: 'positive', max: 60 },
  audio: 'passthrough',
};

export function capabilitiesOf(model: string): ModelCapabilities {
  return Object.hasOwn(knownModels, model) ? knownModels[model]! : unknownModel;
}

/** Models whose families are omni-video only take the omni body shape. */
export function isOmniModel(model: string): boolean {
  return capabilitiesOf(model).families?.includes('omni-video') ?? false;
}

/** `cfg_scale` is ignored by v2.x and later, so it is only sent to v1.x models (kling-api.md). */
export function takesCfgScale(model: string): boolean {
  return /^kling-v1([-.]|$)/.test(model);
}
