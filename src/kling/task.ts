import { z } from 'zod';
import { KlingBilling } from '../domain/kling-billing.js';

/** Kling's legacy task statuses; `succeed` (sic) is Kling's spelling, and the worker's. */
export const KlingTaskStatus = z.enum(['submitted', 'processing', 'succeed', 'failed']);
export type KlingTaskStatus = z.infer<typeof KlingTaskStatus>;

/** One output video. `duration` is a string and may be fractional (`"5.04"`): Kling's report, never billed. */
export const KlingVideoData = z.object({ id: z.string(), url: z.string(), duration: z.string() });
export type KlingVideoData = z.infer<typeof KlingVideoData>;

/**
 * The legacy task object (kling-api.md, "Legacy: create" / "Legacy: query"): the `data` of a create or a query, an
 * element of a list, and the bare body of a legacy callback. Parsed leniently, as the page says: `task_info`,
 * `task_result` and `task_status_msg` may be absent (a create answer has neither of the last two), and fields
 * Kling adds later are ignored.
 */
export const KlingTaskData = z.looseObject({
  task_id: z.string().min(1),
  task_status: KlingTaskStatus,
  task_status_msg: z.string().optional(),
  // `{}` when no external id was sent.
  task_info: z.looseObject({ external_task_id: z.string().optional() }).optional(),
  task_result: z.looseObject({ videos: z.array(KlingVideoData).optional() }).optional(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
});
export type KlingTaskData = z.infer<typeof KlingTaskData>;

/**
 * The task object of the new design standard (kling-api.md, "New design standard"): the `data` of a create (`id`,
 * `status`, times, `external_id` only), an element of a query's `data`, and the body of a callback — among them the
 * console's test callback (`submitted`, no outputs). Parsed as leniently as the legacy one.
 */
export const KlingNewTaskData = z.looseObject({
  id: z.string().min(1),
  status: z.enum(['submitted', 'processing', 'succeeded', 'failed']),
  message: z.string().optional(),
  create_time: z.number().int(),
  update_time: z.number().int(),
  external_id: z.string().optional(),
  outputs: z
    .array(
      z.looseObject({
        type: z.string(),
        id: z.string(),
        url: z.string(),
        // The page does not say whether it is a string or a number.
        duration: z.union([z.string(), z.number()]).optional(),
      }),
    )
    .optional(),
  // What Kling charged; read apart (see `fromNewTask`), so an odd report never fails the status read.
  billing: z.unknown().optional(),
});
export type KlingNewTaskData = z.infer<typeof KlingNewTaskData>;

/** The `data` of a new-API query (`GET /tasks?task_ids=…` or `?external_task_ids=…`): the tasks found. */
export const KlingNewTaskList = z.array(KlingNewTaskData);

/** Every Kling answer. `code` is authoritative, not the HTTP status; `data` is absent on errors. */
export const KlingEnvelope = z.looseObject({
  code: z.number().int(),
  message: z.string(),
  request_id: z.string(),
  data: z.unknown().optional(),
});
export type KlingEnvelope = z.infer<typeof KlingEnvelope>;

/** The `data` of a list query (`GET <path>?pageNum=…&pageSize=…`). */
export const KlingTaskList = z.array(KlingTaskData);

/**
 * The task as the rest of the code sees it, whichever API generation reported it: plain JSON, so it can cross
 * Temporal payloads. Statuses keep the legacy spelling (`succeed`) the workflows were written with.
 */
export const KlingTask = z.object({
  taskId: z.string(),
  status: KlingTaskStatus,
  /** The failure reason of a failed task (the only place Kling puts it); `''` otherwise. */
  statusMessage: z.string(),
  externalTaskId: z.string().optional(),
  videos: z.array(KlingVideoData),
  /** Unix milliseconds. */
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  /**
   * What Kling reports it charged for the task (new API `billing[]`, checked against its bounds); absent from the
   * legacy API, and when the report was missing or out of bounds. Recorded beside our bill; it never prices anything.
   */
  billing: KlingBilling.optional(),
});
export type KlingTask = z.infer<typeof KlingTask>;

export function toKlingTask(data: KlingTaskData): KlingTask {
  return {
    taskId: data.task_id,
    status: data.task_status,
    statusMessage: data.task_status_msg ?? '',
    ...externalIdOf(data.task_info?.external_task_id),
    videos: (data.task_result?.videos ?? []).map(({ id, url, duration }) => ({ id, url, duration })),
    createdAt: data.created_at,
    updatedAt: data.updated_at,
  };
}

export function fromNewTask(data: KlingNewTaskData): KlingTask {
  const billing = data.billing === undefined ? undefined : KlingBilling.safeParse(data.billing);
  return {
    taskId: data.id,
    status: data.status === 'succeeded' ? 'succeed' : data.status,
    statusMessage: data.message ?? '',
    ...externalIdOf(data.external_id),
    videos: (data.outputs ?? [])
      .filter((output) => output.type === 'video')
      .map(({ id, url, duration }) => ({
        id,
        url,
        duration: duration === undefined ? '' : String(duration),
      })),
    createdAt: data.create_time,
    updatedAt: data.update_time,
    // An empty report (a task not charged yet, or not at all) says nothing worth keeping.
    ...(billing?.success === true && billing.data.length > 0 ? { billing: billing.data } : {}),
  };
}

// Kling may echo an empty string when no id was given.
function externalIdOf(externalTaskId: string | undefined): { externalTaskId?: string } {
  return externalTaskId === undefined || externalTaskId === '' ? {} : { externalTaskId };
}

const KlingCallback = z.union([
  KlingTaskData.transform(toKlingTask),
  KlingNewTaskData.transform(fromNewTask),
]);

/** Parses a callback body: a legacy task object, or a new-standard one. Throws a `ZodError` when it is neither. */
export function parseTaskCallback(body: unknown): KlingTask {
  return KlingCallback.parse(body);
}
