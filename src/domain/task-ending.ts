import { z } from 'zod';
import { KlingBilling } from './kling-billing.js';

// How a Kling task ended, as the account's task sweep read it from Kling (a list page, a query by id, a batch
// query of the new API): kept on the job row, so the job the sweep wakes settles on Kling's own answer without
// asking Kling a second time (issue 15: ≤ 0.3 status reads a job). Only the sweep writes it, from what it read
// from Kling itself; a callback never does (it only names jobs for the sweep to read), so nobody outside decides
// what is billed. It comes from outside all the same, so it is bounded before it is written.

/** Output videos of one task: Kling makes one; anything near this is not a task's output. */
export const MAX_ENDED_VIDEOS = 16;
const MAX_URL_LENGTH = 4_096;
const MAX_ID_LENGTH = 256;
const MAX_REASON_LENGTH = 2_000;

const EndedVideo = z.object({
  id: z.string().max(MAX_ID_LENGTH),
  url: z.string().max(MAX_URL_LENGTH),
  duration: z.string().max(32),
});

export const TaskEnding = z.object({
  taskId: z.string().min(1).max(MAX_ID_LENGTH),
  status: z.enum(['succeed', 'failed']),
  /** Kling's reason for a failed task; `''` for a success. */
  statusMessage: z.string().max(MAX_REASON_LENGTH),
  videos: z.array(EndedVideo).max(MAX_ENDED_VIDEOS),
  /** What Kling reported it charged (new API), when it did. */
  billing: KlingBilling.optional(),
});
export type TaskEnding = z.infer<typeof TaskEnding>;

/** A task as Kling reported it, in the worker's spelling (src/kling/task.ts `KlingTask`). */
interface ReportedTask {
  readonly taskId: string;
  readonly status: string;
  readonly statusMessage: string;
  readonly videos: readonly { id: string; url: string; duration: string }[];
  readonly billing?: KlingBilling | undefined;
}

/**
 * The ending a job may settle on, or `undefined` when the report is not one: a task still running; a success
 * without its videos, or a failure without its reason (a list entry may leave `task_result` and `task_status_msg`
 * out — kling-api.md parses them as optional), which the job's own query then reads; anything out of bounds.
 */
export function taskEnding(task: ReportedTask): TaskEnding | undefined {
  if (
    task.status === 'succeed'
      ? task.videos.length === 0
      : task.status !== 'failed' || task.statusMessage === ''
  )
    return undefined;
  const parsed = TaskEnding.safeParse({
    taskId: task.taskId,
    status: task.status,
    statusMessage: task.statusMessage,
    videos: task.videos.map(({ id, url, duration }) => ({ id, url, duration })),
    ...(task.billing === undefined ? {} : { billing: task.billing }),
  });
  return parsed.success ? parsed.data : undefined;
}
