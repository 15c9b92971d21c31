import { newApiFamilyPath, type KlingFamily } from '../../domain/family.js';
import type { Mode, Resolution } from '../../domain/terms.js';
import type { KlingNewTaskData, KlingTaskData, KlingTaskStatus } from '../task.js';
import type { SimulatorKnobs } from './knobs.js';
import type { SimulatorRandom } from './random.js';
import type { StoredTask } from './task-journal.js';
import type { CreateSpec, SourceVideo } from './validate-create.js';

export interface SimulatedVideo {
  readonly id: string;
  readonly url: string;
  /** As reported to the client, e.g. `"5.04"`. */
  readonly duration: string;
  /** What the served file claims (x-simulator-resolution); Kling's task object does not carry it. */
  readonly resolution: Resolution;
}

/** A task as the simulator sees it, for tests and the admin endpoint. */
export interface SimulatedTask {
  readonly taskId: string;
  /** `new`: created on the new API (and queried there); absent: the legacy API. */
  readonly api?: 'new';
  readonly family: KlingFamily;
  readonly externalTaskId?: string;
  readonly callbackUrl?: string;
  /** The create body as received. */
  readonly request: Readonly<Record<string, unknown>>;
  /** Body fields Kling accepted and did not use, e.g. `image_tail` in std on kling-v2-6 (the end frame is dropped). */
  readonly dropped: readonly string[];
  /** The model and mode that make the video (`video-extend`: the source video's). */
  readonly model: string;
  readonly mode: Mode;
  readonly requestedSeconds: number;
  readonly status: KlingTaskStatus;
  readonly statusMessage: string;
  /** Every status the task entered, with the simulator-clock time (Unix ms). */
  readonly transitions: readonly { readonly status: KlingTaskStatus; readonly at: number }[];
  readonly videos: readonly SimulatedVideo[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Entry = Mutable<SimulatedTask> & {
  transitions: SimulatedTask['transitions'][number][];
  willFail: boolean;
  /** Drawn at creation, so ids do not depend on the order in which concurrent tasks finish. */
  videoId: string;
  /** The timetable drawn at creation (simulator clock): kept with the task, so a restored task keeps it too. */
  processingAt: number;
  endsAt: number;
};

export interface TaskBookOptions {
  /** A stream of its own: task ids, delays and video ids do not depend on how often clients poll. */
  readonly random: SimulatorRandom;
  readonly knobs: () => SimulatorKnobs;
  /** The simulator clock (wall clock plus the configured skew), Unix ms. */
  readonly now: () => number;
  readonly videoUrl: (videoId: string) => string;
  readonly onTransition: (task: SimulatedTask) => void;
  /** Every change of a task (creation included), before anyone hears of it: the journal's hook. */
  readonly onChange?: (task: StoredTask) => void;
}

/** The account's tasks and their lifecycle: submitted → processing → succeed | failed, on timers. */
export class TaskBook {
  readonly #entries = new Map<string, Entry>();
  readonly #videos = new Map<string, { task: Entry; video: SimulatedVideo }>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #options: TaskBookOptions;

  constructor(options: TaskBookOptions) {
    this.#options = options;
  }

  /** Tasks holding a slot of the account's concurrency limit: from `submitted` until they end. */
  inFlight(): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (!isTerminal(entry.status)) count++;
    return count;
  }

  /** `external_task_id` is unique within the account, across families. */
  externalIdInUse(externalTaskId: string): boolean {
    for (const entry of this.#entries.values()) if (entry.externalTaskId === externalTaskId) return true;
    return false;
  }

  /** `willFail` is decided by the caller, which owns the fault knobs. */
  create(
    family: KlingFamily,
    request: Readonly<Record<string, unknown>>,
    spec: CreateSpec,
    willFail: boolean,
  ): SimulatedTask {
    const knobs = this.#options.knobs();
    const at = this.#options.now();
    const processingAt = at + this.#delay(knobs.submittedMs, knobs);
    const entry: Entry = {
      taskId: this.#newTaskId(),
      ...(spec.api === undefined ? {} : { api: spec.api }),
      family,
      ...(spec.externalTaskId === undefined ? {} : { externalTaskId: spec.externalTaskId }),
      ...(spec.callbackUrl === undefined ? {} : { callbackUrl: spec.callbackUrl }),
      request,
      dropped: [...spec.dropped],
      model: spec.model,
      mode: spec.mode,
      requestedSeconds: spec.seconds,
      status: 'submitted',
      statusMessage: '',
      transitions: [{ status: 'submitted', at }],
      videos: [],
      createdAt: at,
      updatedAt: at,
      willFail,
      videoId: this.#options.random.digits(18),
      processingAt,
      endsAt: processingAt + this.#delay(knobs.processingMs, knobs),
    };
    this.#entries.set(entry.taskId, entry);
    this.#options.onChange?.(structuredClone(entry));
    this.#schedule(entry);
    this.#options.onTransition(view(entry));
    return view(entry);
  }

  /** Takes back tasks kept by a journal; each goes on from where its timetable says it is now. */
  restore(tasks: readonly StoredTask[]): void {
    for (const task of tasks) {
      const entry: Entry = { ...structuredClone(task), transitions: [...task.transitions] };
      this.#entries.set(entry.taskId, entry);
      for (const video of entry.videos) this.#videos.set(video.id, { task: entry, video });
      this.#schedule(entry);
    }
  }

  /** The next step of a running task, at its time in the timetable (at once if that has passed). */
  #schedule(entry: Entry): void {
    const now = this.#options.now();
    if (entry.status === 'submitted') {
      this.#after(entry.processingAt - now, () => {
        this.#enter(entry, 'processing');
        this.#schedule(entry);
      });
    } else if (entry.status === 'processing') {
      this.#after(entry.endsAt - now, () => this.#finish(entry));
    }
  }

  /** A legacy task, on the family that created it. */
  find(family: KlingFamily, taskId: string): SimulatedTask | undefined {
    const entry = this.#entries.get(taskId);
    return entry?.family === family && entry.api === undefined ? view(entry) : undefined;
  }

  findByExternalId(family: KlingFamily, externalTaskId: string): SimulatedTask | undefined {
    for (const entry of this.#entries.values()) {
      if (entry.family === family && entry.api === undefined && entry.externalTaskId === externalTaskId) {
        return view(entry);
      }
    }
    return undefined;
  }

  /** Newest first, like Kling's list: the legacy tasks of one family. */
  list(family: KlingFamily): SimulatedTask[] {
    return this.#newestFirst((entry) => entry.family === family && entry.api === undefined);
  }

  /**
   * What the new API's `/tasks` sees, newest first: its own tasks, and the legacy ones too when `withLegacy` (the
   * page leaves it uncertain, so the simulator makes it a knob).
   */
  newApiTasks(withLegacy: boolean): SimulatedTask[] {
    return this.#newestFirst((entry) => withLegacy || entry.api === 'new');
  }

  all(): SimulatedTask[] {
    return [...this.#entries.values()].map(view);
  }

  video(videoId: string): SimulatedVideo | undefined {
    return this.#videos.get(videoId)?.video;
  }

  /** The task behind an output video, for `video-extend`. */
  sourceVideo(videoId: string): SourceVideo | undefined {
    const task = this.#videos.get(videoId)?.task;
    return task === undefined
      ? undefined
      : { model: task.model, mode: task.mode, seconds: task.requestedSeconds };
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #finish(entry: Entry): void {
    const knobs = this.#options.knobs();
    if (entry.willFail) {
      entry.statusMessage = knobs.failureMessage;
      this.#enter(entry, 'failed');
      return;
    }
    const id = entry.videoId;
    const video: SimulatedVideo = {
      id,
      url: this.#options.videoUrl(id),
      duration: (entry.requestedSeconds + knobs.outputDurationOffset).toFixed(2),
      resolution: knobs.outputResolution ?? (entry.mode === 'pro' ? '1080p' : '720p'),
    };
    entry.videos = [video];
    this.#videos.set(id, { task: entry, video });
    this.#enter(entry, 'succeed');
  }

  #enter(entry: Entry, status: KlingTaskStatus): void {
    const at = this.#options.now();
    entry.status = status;
    entry.updatedAt = at;
    entry.transitions.push({ status, at });
    this.#options.onChange?.(structuredClone(entry));
    this.#options.onTransition(view(entry));
  }

  #delay(baseMs: number, knobs: SimulatorKnobs): number {
    const spread = 1 + knobs.jitter * (2 * this.#options.random.next() - 1);
    return baseMs * spread * knobs.timeScale;
  }

  #after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, ms);
    this.#timers.add(timer);
  }

  #newestFirst(keep: (entry: Entry) => boolean): SimulatedTask[] {
    return [...this.#entries.values()].filter(keep).reverse().map(view);
  }

  #newTaskId(): string {
    for (;;) {
      const id = this.#options.random.digits(18);
      if (!this.#entries.has(id)) return id;
    }
  }
}

export function isTerminal(status: KlingTaskStatus): boolean {
  return status === 'succeed' || status === 'failed';
}

/**
 * The task object Kling sends, with exactly the keys kling-api.md shows: a create answers without `task_result`
 * and `task_status_msg`; a query, a list entry and a callback carry `task_status_msg`, and `task_result` only once
 * the task succeeded (the page: parse it as absent otherwise, so the simulator never sends it early). `bare` is a
 * list entry under the stricter reading (knob `listResults: false`): without either, as a create answers.
 */
export function toTaskData(
  task: SimulatedTask,
  answer: 'create' | 'query' | 'bare' = 'query',
): KlingTaskData {
  const identity = {
    task_id: task.taskId,
    task_status: task.status,
  };
  const info = {
    task_info: task.externalTaskId === undefined ? {} : { external_task_id: task.externalTaskId },
  };
  const times = { created_at: task.createdAt, updated_at: task.updatedAt };
  if (answer !== 'query') return { ...identity, ...info, ...times };
  return {
    ...identity,
    task_status_msg: task.statusMessage,
    ...info,
    ...(task.status === 'succeed'
      ? { task_result: { videos: task.videos.map(({ id, url, duration }) => ({ id, url, duration })) } }
      : {}),
    ...times,
  };
}

/** What Kling's new API reports it charged: units of a resource package, or cash (the page shows both). */
export type ChargeKind = 'unit' | 'cash';

/**
 * The new API's task object (kling-api.md, "New design standard"), with exactly the keys the page shows: a create
 * answers `id`, `status`, the times and `external_id`; a query, a `POST /tasks` entry and a callback add `message`,
 * `outputs` and `billing` — empty until the task succeeded, as a failed task is not charged. `succeed` is spelt
 * `succeeded` here.
 */
export function toNewTaskData(
  task: SimulatedTask,
  answer: 'create' | 'query',
  charge: ChargeKind,
): KlingNewTaskData {
  const identity = {
    id: task.taskId,
    status: task.status === 'succeed' ? ('succeeded' as const) : task.status,
  };
  const times = { create_time: task.createdAt, update_time: task.updatedAt };
  const external = { external_id: task.externalTaskId ?? '' };
  if (answer === 'create') return { ...identity, ...times, ...external };
  const succeeded = task.status === 'succeed';
  return {
    ...identity,
    message: task.statusMessage,
    ...times,
    ...external,
    outputs: succeeded
      ? task.videos.map(({ id, url, duration }) => ({
          type: 'video',
          id,
          url,
          watermark_url: url.replace(/\.mp4$/, '-wm.mp4'),
          duration,
        }))
      : [],
    billing: succeeded ? [chargeOf(task, charge)] : [],
  };
}

/** A made-up charge that grows with the work: units of a video package, or cash at a price per second. */
function chargeOf(task: SimulatedTask, kind: ChargeKind): Record<string, string | number> {
  const seconds = Math.ceil(task.requestedSeconds);
  if (kind === 'unit')
    return { charge_type: 'unit', amount: seconds, package_type: 'video', list_price: seconds };
  const usd = (seconds * (task.mode === 'pro' ? 14 : 7)) / 100;
  return { charge_type: 'cash', amount: usd, currency: 'USD', list_price: usd };
}

/** The new API's product of a task (its create path's first segment), for `POST /tasks` filters. */
export function productOf(task: SimulatedTask): string {
  return newApiFamilyPath[task.family]?.slice(1) ?? task.family;
}

function view(entry: Entry): SimulatedTask {
  const {
    willFail: _willFail,
    videoId: _videoId,
    processingAt: _processingAt,
    endsAt: _endsAt,
    ...task
  } = entry;
  return {
    ...task,
    dropped: [...entry.dropped],
    transitions: [...entry.transitions],
    videos: [...entry.videos],
  };
}
