// The Temporal binaries this project builds from the Go module proxy (the CLI for the dev server, the server and
// its SQL schema tool for the cluster suite): where they are looked for, and the one-time `go install` into the
// per-user cache. Shared by src/temporal/dev-server.ts and src/temporal/server-binaries.ts.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findOnPath(name: string, searchPath: readonly string[]): Promise<string | undefined> {
  for (const dir of searchPath) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Runs a command to its end, collecting stdout and stderr together (Go's progress and errors). */
export function runCollecting(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, output }));
  });
}

export interface GoInstall {
  /** What is built, for the progress lines ("the Temporal CLI v1.5.1"). */
  readonly what: string;
  /** `module/path/cmd/x@version` arguments of one `go install` (one module, one version: built together). */
  readonly packages: readonly string[];
  /** File names `go install` writes into GOBIN, each moved to `join(targetDir, name)`. */
  readonly binaries: readonly string[];
  readonly targetDir: string;
  /** The per-user cache folder the scratch build folder lives in (same file system as `targetDir`). */
  readonly cacheDir: string;
}

/**
 * Builds with `go install` into a scratch folder of the cache, then renames each binary into place, so two
 * processes building at once never leave a half-written binary behind (the last rename wins, both are whole).
 * `GOTOOLCHAIN=local`: the Go on PATH builds it, nothing downloads another toolchain.
 */
export async function goInstall(
  build: GoInstall,
  goBinary: string,
  log: (line: string) => void,
): Promise<void> {
  await mkdir(build.cacheDir, { recursive: true });
  const scratch = await mkdtemp(join(build.cacheDir, 'build-'));
  log(
    `Building ${build.what} from source with Go into ${build.cacheDir} ` +
      '(first run only; this takes a few minutes)…',
  );
  const started = Date.now();
  try {
    const { code, output } = await runCollecting(goBinary, ['install', ...build.packages], {
      ...process.env,
      GOBIN: scratch,
      GOTOOLCHAIN: 'local',
    });
    if (code !== 0) throw new Error(`Building ${build.what} failed (go exit ${code}):\n${output.trim()}`);
    await mkdir(build.targetDir, { recursive: true });
    for (const name of build.binaries) await rename(join(scratch, name), join(build.targetDir, name));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  log(`Built ${build.what} in ${Math.round((Date.now() - started) / 1000)} s: ${build.targetDir}`);
}
