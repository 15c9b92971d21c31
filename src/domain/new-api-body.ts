// The request of a job that goes to Kling's new API (kling-api.md, "New design standard"), rendered from the same
// normalized envelope as the legacy body: the envelope's `klingBody` is the request in the legacy vocabulary, after
// every rule of the model table held, and this is its second rendering. Pure: the same envelope always renders the
// same request, on every attempt.
import type { RequestEnvelope } from './envelope.js';
import { newApiFamilyPath } from './family.js';
import type { KlingBody } from './kling-body.js';
import { rulesOf } from './models.js';

/** Where to POST, and the body without `options` (the worker adds `external_task_id` and `callback_url` there). */
export interface NewApiCreate {
  /** e.g. `/text-to-video/kling-3.0-turbo`. */
  readonly path: string;
  readonly body: KlingBody;
}

type Content =
  | { readonly type: 'prompt'; readonly text: string }
  | { readonly type: 'first_frame' | 'last_frame' | 'refer_image'; readonly url: string }
  | { readonly type: 'feature_video' | 'base_video'; readonly url: string };

/** The legacy body fields the rendering reads; `klingBody` holds nothing else for the families the new API serves. */
interface LegacyBody {
  readonly prompt?: string;
  readonly mode?: 'std' | 'pro';
  readonly aspect_ratio?: string;
  readonly duration?: string;
  readonly sound?: 'on' | 'off';
  readonly image?: string;
  readonly image_tail?: string;
  readonly image_list?: readonly {
    readonly image_url: string;
    readonly type?: 'first_frame' | 'end_frame';
  }[];
  readonly video_list?: readonly {
    readonly video_url: string;
    readonly refer_type: 'base' | 'feature';
    readonly keep_original_sound: 'yes' | 'no';
  }[];
}

/**
 * The new API's create of an envelope accepted for it (`api: "new"`): `mode` → `settings.resolution` (std 720p, pro
 * 1080p), `duration` as an int, `sound` → `settings.audio`, `multi_shot: false` always (3.0 defaults it to true),
 * frames and references as typed `contents`. Throws for an envelope the new API does not serve, which acceptance
 * never lets through.
 */
export function newApiCreateOf(envelope: RequestEnvelope): NewApiCreate {
  const familyPath = newApiFamilyPath[envelope.family];
  const model = rulesOf(envelope.model).newApi?.name;
  if (familyPath === undefined || model === undefined) {
    throw new Error(`Kling's new API does not serve ${envelope.model} on ${envelope.family}`);
  }
  const legacy = envelope.klingBody as LegacyBody;
  const settings = {
    resolution: (legacy.mode ?? envelope.mode) === 'pro' ? '1080p' : '720p',
    ...(legacy.aspect_ratio === undefined ? {} : { aspect_ratio: legacy.aspect_ratio }),
    ...(legacy.duration === undefined ? {} : { duration: Number(legacy.duration) }),
    ...audioOf(legacy),
    multi_shot: false,
  };
  const path = `${familyPath}/${model}`;
  // text-to-video alone takes a top-level prompt; the others take it as the first of their contents.
  if (envelope.family === 'text2video') {
    return { path, body: { ...(legacy.prompt === undefined ? {} : { prompt: legacy.prompt }), settings } };
  }
  const contents: Content[] = [
    ...(legacy.prompt === undefined ? [] : [{ type: 'prompt', text: legacy.prompt } as const]),
    ...mediaOf(legacy),
  ];
  return { path, body: { contents, settings } };
}

/** Frames, then reference images, then videos, each list in the request's order (prompts count media by kind). */
function mediaOf(legacy: LegacyBody): Content[] {
  const images: Content[] = [
    ...(legacy.image === undefined ? [] : [{ type: 'first_frame', url: legacy.image } as const]),
    ...(legacy.image_tail === undefined ? [] : [{ type: 'last_frame', url: legacy.image_tail } as const]),
    ...(legacy.image_list ?? []).map((entry): Content => ({
      type:
        entry.type === 'first_frame'
          ? 'first_frame'
          : entry.type === 'end_frame'
            ? 'last_frame'
            : 'refer_image',
      url: entry.image_url,
    })),
  ];
  const videos = (legacy.video_list ?? []).map((video): Content => ({
    type: video.refer_type === 'base' ? 'base_video' : 'feature_video',
    url: video.video_url,
  }));
  return [...images, ...videos];
}

/**
 * `settings.audio`: a reference video whose sound is kept is `original` (the new API's omni value for what the
 * legacy API calls `keep_original_sound: "yes"`), otherwise `sound` on → `native`, off → `off`; nothing for a
 * model that makes no audio (no `sound` in the legacy body either).
 */
function audioOf(legacy: LegacyBody): { audio?: 'native' | 'off' | 'original' } {
  if ((legacy.video_list ?? []).some((video) => video.keep_original_sound === 'yes'))
    return { audio: 'original' };
  if (legacy.sound === undefined) return {};
  return { audio: legacy.sound === 'on' ? 'native' : 'off' };
}
