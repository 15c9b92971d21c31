// Where and from what a run was made: the context every RESULTS.md section records.
import { execFile } from 'node:child_process';
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
