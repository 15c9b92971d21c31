// The simulator's tasks on disk, so a simulator started again (after `kill -9` or SIGTERM of `npm start`) answers for
// every task it ever created, as Kling does: without it, a restarted worker's polls get 1203 "task not found" and its
// jobs fail. One JSON object per line, each the whole task after a change (creation, every transition); the last line
// of a task wins. A line is appended synchronously before the answer that mentions its change leaves the simulator,
// so a client never knows of a task the journal does not. A torn last line (a kill mid-write) is skipped.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { KlingFamily } from '../../domain/family.js';
import { Mode, Resolution } from '../../domain/terms.js';

const Status = z.enum(['submitted', 'processing', 'succeed', 'failed']);

/** A task as it is kept: what the simulator shows, plus its hidden fate and its timetable (simulator-clock ms). */
export const StoredTask = z.object({
  taskId: z.string().min(1),
  /** A task of the new API (absent: legacy, as in journals from before it). */
  api: z.literal('new').optional(),
  family: KlingFamily,
  externalTaskId: z.string().optional(),
  callbackUrl: z.string().optional(),
  request: z.record(z.string(), z.unknown()),
  dropped: z.array(z.string()).readonly(),
  model: z.string(),
  mode: Mode,
  requestedSeconds: z.number(),
  status: Status,
  statusMessage: z.string(),
  transitions: z.array(z.object({ status: Status, at: z.number() })).readonly(),
  videos: z
    .array(z.object({ id: z.string(), url: z.string(), duration: z.string(), resolution: Resolution }))
    .readonly(),
  createdAt: z.number(),
  updatedAt: z.number(),
  willFail: z.boolean(),
  videoId: z.string(),
  /** When the task enters `processing`, and when it ends. */
  processingAt: z.number(),
  endsAt: z.number(),
});
export type StoredTask = z.infer<typeof StoredTask>;

export interface TaskJournal {
  /** The tasks found when the journal was opened, oldest first. */
  readonly tasks: readonly StoredTask[];
  /** Appends the task's current state. */
  record(task: StoredTask): void;
}

/**
 * Opens (creating it if need be) the journal at `file` and reads its tasks. The file is then rewritten with one
 * line per task, so it grows with the tasks, not with their transitions.
 */
export function openTaskJournal(file: string): TaskJournal {
  mkdirSync(dirname(file), { recursive: true });
  const tasks = new Map<string, StoredTask>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const line of text.split('\n')) {
    const task = parseLine(line);
    if (task !== undefined) tasks.set(task.taskId, task);
  }
  const compacted = [...tasks.values()].map((task) => `${JSON.stringify(task)}\n`).join('');
  writeFileSync(`${file}.tmp`, compacted);
  renameSync(`${file}.tmp`, file);
  return {
    tasks: [...tasks.values()].sort((a, b) => a.createdAt - b.createdAt),
    record(task) {
      appendFileSync(file, `${JSON.stringify(task)}\n`);
    },
  };
}

function parseLine(line: string): StoredTask | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed = StoredTask.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
