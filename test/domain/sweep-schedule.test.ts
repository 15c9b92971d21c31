import { describe, expect, it } from 'vitest';
import { nextFullSweepDue } from '../../src/domain/sweep-schedule.js';

describe('nextFullSweepDue', () => {
  it('keeps a fixed rate: a sweep that began late does not push the next one back', () => {
    expect(nextFullSweepDue(10_000, 10_370, 1_000)).toBe(11_000);
    // Each sweep ~370 ms late, every one due on the grid: the interval stays 1 s on average, not 1.37 s.
    let due = 0;
    for (let sweep = 0; sweep < 10; sweep++) due = nextFullSweepDue(due, due + 370, 1_000);
    expect(due).toBe(10_000);
  });

  it('after a stall, waits half an interval rather than running sweeps back to back to catch up', () => {
    // Due at 10 s, began at 60 s (the worker was down): the next is due at 65 s, not 11 s.
    expect(nextFullSweepDue(10_000, 60_000, 10_000)).toBe(65_000);
    // Then the grid resumes from there.
    expect(nextFullSweepDue(65_000, 65_200, 10_000)).toBe(75_000);
  });

  it('follows a changed interval from the sweep that reported it', () => {
    expect(nextFullSweepDue(10_000, 10_050, 30_000)).toBe(40_000);
  });

  it("rests as long as a long sweep took, by the sweep's own clock", () => {
    // 10 s interval, a sweep of 7 s that began on time: the next begins 7 s after it ended, not 3 s.
    expect(nextFullSweepDue(100_000, 100_000, 10_000, 7_000)).toBe(114_000);
    // A sweep of up to half the interval keeps the fixed rate.
    expect(nextFullSweepDue(100_000, 100_000, 10_000, 5_000)).toBe(110_000);
    expect(nextFullSweepDue(100_000, 100_300, 10_000, 4_000)).toBe(110_000);
  });
});
