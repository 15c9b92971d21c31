// Where and from what a run was made: the context every RESULTS.md section records.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import type { MachineInfo } from './result.js';

const run = promisify(execFile);

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cores: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 2 ** 30,
    platform: `${platform()} ${release()}`,
    node: process.version,
  };
}

/** HEAD, and the files of src/ and bench/ that differed from it (the code measured is then not exactly HEAD's). */
export async function gitCommit(): Promise<string> {
  try {
    const head = (await run('git', ['rev-parse', 'HEAD'])).stdout.trim();
    const status = await run('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'bench']);
    const dirty = status.stdout
      .split('\n')
      .map((line) => line.slice(3).trim())
      .filter((path) => path !== '');
    return dirty.length === 0 ? head : `${head} + uncommitted changes to ${dirty.join(', ')}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** The command as typed, quoted where a shell would need it. */
export function commandLine(args: readonly string[]): string {
  const quoted = args.map((arg) =>
    /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`,
  );
  return ['npm run bench', ...(quoted.length === 0 ? [] : ['--', ...quoted])].join(' ');
}

/** Busy and total CPU ticks of the whole machine so far (/proc/stat's first line); undefined off Linux. */
async function machineTicks(): Promise<{ busy: number; total: number } | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // idle and iowait are the 4th and 5th numbers; the rest is work.
    const total = ticks.reduce((sum, tick) => sum + tick, 0);
    return { busy: total - ticks[3]! - (ticks[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/**
 * Waits until the machine has been quiet for a few seconds in a row (under a quarter of a core busy), at most
 * `limitMs`, and returns how many cores were busy over the last second. Each design then starts on a machine the
 * previous one (its history reads, its worker's exit) and any other work have left, and the report says how quiet it
 * was: a 1-minute load average still shows the previous design's run, so it cannot say.
 */
export async function waitForQuietMachine(limitMs: number): Promise<{ waitedMs: number; busyCores: number }> {
  const began = Date.now();
  const cores = cpus().length;
  const quietSeconds = 3;
  let quietInARow = 0;
  let busyCores = Number.NaN;
  let last = await machineTicks();
  while (last !== undefined && Date.now() - began < limitMs) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await machineTicks();
    if (now === undefined) break;
    busyCores = ((now.busy - last.busy) / Math.max(1, now.total - last.total)) * cores;
    last = now;
    quietInARow = busyCores < 0.25 ? quietInARow + 1 : 0;
    if (quietInARow >= quietSeconds) break;
  }
  return { waitedMs: Date.now() - began, busyCores };
}
