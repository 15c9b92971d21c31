import { z } from 'zod';

/** Kling's legacy task statuses; `succeed` (sic) is Kling's spelling. */
export const KlingTaskStatus = z.enum(['submitted', 'processing', 'succeed', 'failed']);
export type KlingTaskStatus = z.infer<typeof KlingTaskStatus>;

/** One output video. `duration` is a string and may be fractional (`"5.04"`): Kling's report, never billed. */
export const KlingVideoData = z.object({ id: z.string(), url: z.string(), duration: z.string() });
export type KlingVideoData = z.infer<typeof KlingVideoData>;

/**
 * The task object as Kling sends it: the `data` of a query, an element of a list, and the bare body of a
 * callback. Objects stay loose so a field Kling adds later does not break parsing.
 */
export const KlingTaskData = z.looseObject({
  task_id: z.string().min(1),
  task_status: KlingTaskStatus,
  task_status_msg: z.string().optional(),
  // `{}` when empty.
  task_info: z.looseObject({ external_task_id: z.string().optional() }),
  task_result: z.looseObject({ videos: z.array(KlingVideoData).optional() }),
  created_at: z.number().int(),
  updated_at: z.number().int(),
});
export type KlingTaskData = z.infer<typeof KlingTaskData>;

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

/** The task as the rest of the code sees it: plain JSON, so it can cross Temporal payloads. */
export const KlingTask = z.object({
  taskId: z.string(),
  status: KlingTaskStatus,
  /** The failure reason of a failed task (the only place Kling puts it); `''` otherwise. */
  statusMessage: z.string(),
  externalTaskId: z.string().optional(),
  videos: z.array(z.object({ id: z.string(), url: z.string(), duration: z.string() })),
  /** Unix milliseconds. */
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type KlingTask = z.infer<typeof KlingTask>;

export function toKlingTask(data: KlingTaskData): KlingTask {
  const externalTaskId = data.task_info.external_task_id;
  return {
    taskId: data.task_id,
    status: data.task_status,
    statusMessage: data.task_status_msg ?? '',
    // Kling may echo an empty string when no id was given.
    ...(externalTaskId === undefined || externalTaskId === '' ? {} : { externalTaskId }),
    videos: (data.task_result.videos ?? []).map(({ id, url, duration }) => ({ id, url, duration })),
    createdAt: data.created_at,
    updatedAt: data.updated_at,
  };
}

/** Parses a callback body (the bare task object). Throws a `ZodError` naming the bad field. */
export function parseTaskCallback(body: unknown): KlingTask {
  return toKlingTask(KlingTaskData.parse(body));
}
