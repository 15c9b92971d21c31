// Runs the real `kling-video` launcher as a user would, with a controlled environment: the variables the
// commands read are removed from the inherited environment, so a developer's own settings cannot leak in.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '../..');
const launcher = join(repoRoot, 'bin/kling-video.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: string;
}

function environment(overrides: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(TEMPORAL_|KLING_|DATABASE_URL$|RATE_CARD_PATH$|NODE_ENV$|LOG_)/.test(key)) delete env[key];
  }
  return { ...env, ...overrides };
}

/** Starts the command and leaves it running; the caller reads its streams and ends it. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd: repoRoot,
    env: environment(options.env),
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdin.end(options.stdin ?? '');
  return child;
}

/** Runs the command to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A port nothing listens on (it was free a moment ago): "no server" without guessing. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
