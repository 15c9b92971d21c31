import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HintThrottle } from '../../src/callbacks/hint-throttle.js';

describe('the hint throttle', () => {
  let now = 0;
  let later: string[];
  const throttle = (maxBytes = 1_000_000) =>
    new HintThrottle({ windowMs: 1_000, maxBytes, later: (jobId) => later.push(jobId), now: () => now });

  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
    later = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const advance = (ms: number) => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };

  it('lets one hint per job go at once; the rest of the window becomes one hint at its end', () => {
    const t = throttle();
    expect(t.offer('job-a')).toBe('now');
    expect(t.offer('job-b')).toBe('now');
    advance(100);
    for (let i = 0; i < 50; i++) expect(t.offer('job-a')).toBe('later');
    advance(899);
    expect(later).toEqual([]);
    advance(1);
    expect(later).toEqual(['job-a']);
    // The hint at the window's end opened a window of its own.
    expect(t.offer('job-a')).toBe('later');
    advance(1_000);
    expect(later).toEqual(['job-a', 'job-a']);
    advance(1_000);
    expect(t.offer('job-a')).toBe('now');
    expect(t.offer('job-b')).toBe('now');
  });

  it('forgets a job whose hint did not go out, so the next callback tries at once', () => {
    const t = throttle();
    expect(t.offer('job-a')).toBe('now');
    t.forget('job-a');
    expect(t.offer('job-a')).toBe('now');
  });

  it('stays within its byte bound whatever the job ids, dropping the oldest first', () => {
    const t = throttle(64 * 1024);
    for (let i = 0; i < 10_000; i++) {
      t.offer(`job-${i}-${'z'.repeat(200)}`);
      expect(t.bytes).toBeLessThanOrEqual(64 * 1024);
    }
    // The newest is still throttled; the first was dropped to make room.
    expect(t.offer(`job-9999-${'z'.repeat(200)}`)).toBe('later');
    expect(t.offer(`job-0-${'z'.repeat(200)}`)).toBe('now');
  });

  it('drops pending hints when cleared', () => {
    const t = throttle();
    t.offer('job-a');
    t.offer('job-a');
    t.clear();
    advance(5_000);
    expect(later).toEqual([]);
    expect(t.bytes).toBe(0);
  });
});
