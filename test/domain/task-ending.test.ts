import { describe, expect, it } from 'vitest';
import { MAX_ENDED_VIDEOS, taskEnding } from '../../src/domain/task-ending.js';

const video = { id: 'video-1', url: 'https://cdn.example/video-1.mp4', duration: '5.04' };
const succeeded = { taskId: 'task-1', status: 'succeed', statusMessage: '', videos: [video] };

describe('taskEnding: what a woken job may settle on without asking Kling again', () => {
  it('keeps a success with its videos and Kling’s charge, and a failure with its reason', () => {
    const billing = [{ charge_type: 'cash' as const, amount: '0.25', currency: 'USD' }];
    expect(taskEnding({ ...succeeded, billing })).toStrictEqual({ ...succeeded, billing });
    const failed = { taskId: 'task-2', status: 'failed', statusMessage: 'risk control', videos: [] };
    expect(taskEnding(failed)).toStrictEqual(failed);
  });

  it('is no ending for a task still running, nor for a report missing what the job needs', () => {
    expect(taskEnding({ ...succeeded, status: 'processing' })).toBeUndefined();
    expect(taskEnding({ ...succeeded, status: 'submitted', videos: [] })).toBeUndefined();
    // A list entry without task_result, or without task_status_msg: the job's own query reads them.
    expect(taskEnding({ ...succeeded, videos: [] })).toBeUndefined();
    expect(taskEnding({ ...succeeded, status: 'failed', videos: [] })).toBeUndefined();
  });

  it('is no ending for a report out of bounds (the job then asks Kling itself)', () => {
    expect(
      taskEnding({ ...succeeded, videos: Array.from({ length: MAX_ENDED_VIDEOS }, () => video) }),
    ).toBeDefined();
    expect(
      taskEnding({ ...succeeded, videos: Array.from({ length: MAX_ENDED_VIDEOS + 1 }, () => video) }),
    ).toBeUndefined();
    expect(
      taskEnding({ ...succeeded, videos: [{ ...video, url: `https://x/${'a'.repeat(5_000)}` }] }),
    ).toBeUndefined();
    expect(taskEnding({ ...succeeded, taskId: '' })).toBeUndefined();
    expect(
      taskEnding({ ...succeeded, status: 'failed', videos: [], statusMessage: 'x'.repeat(2_001) }),
    ).toBeUndefined();
  });
});
