// The worker process' resident set and its high-water mark since the baseline. Start-up (module loading,
// PGlite's initdb) leaves a peak and garbage behind that have nothing to do with jobs, so the baseline collects
// the garbage and resets the kernel's high-water mark (Linux: /proc/self/clear_refs); elsewhere the peak is
// the process' lifetime maximum.
import { readFileSync, writeFileSync } from 'node:fs';

export interface Memory {
  readonly rssBytes: number;
  /** The most the resident set reached since the last `resetPeak()` (or since the start). */
  readonly peakRssBytes: number;
}

function statusKiB(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]);
}

export function readMemory(): Memory {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // Not Linux: fall back on what Node knows.
  }
  const rssKiB = statusKiB(status, 'VmRSS');
  const peakKiB = statusKiB(status, 'VmHWM');
  return {
    rssBytes: rssKiB === undefined ? process.memoryUsage.rss() : rssKiB * 1024,
    peakRssBytes: peakKiB === undefined ? process.resourceUsage().maxRSS * 1024 : peakKiB * 1024,
  };
}

/** Collects garbage (the worker runs with --expose-gc) and restarts the high-water mark from the current size. */
export function resetPeak(): void {
  const { gc } = globalThis as { gc?: () => void };
  gc?.();
  gc?.();
  try {
    // "5": reset the peak resident set size to the current one (proc(5), since Linux 4.0).
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux, or not allowed: the peak stays the lifetime maximum.
  }
}
