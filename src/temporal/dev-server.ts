// Finds or starts the Temporal server shared by the tests, `npm start` and the demo. Order:
//   1. TEMPORAL_ADDRESS            → that server, nothing started;
//   2. TEMPORAL_CLI_PATH or PATH   → a `temporal` binary's dev server;
//   3. the per-user cache          → the CLI we built before;
//   4. Go on PATH                  → build the CLI once into the cache (minutes), then start it;
//   5. otherwise                   → the SDK's own download (needs internet).
import { dirname, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TemporalConfig } from '../config.js';
import { findOnPath, goInstall, isExecutable } from './go-binaries.js';
import { customSearchAttributes } from './search-attributes.js';

/** The newest CLI tag `go install` accepts (later tags carry a `replace` directive); bundles server 1.29.1. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export type ServerSource = 'address' | 'cli-path' | 'path' | 'cache' | 'built' | 'download';

export interface TemporalServer {
  /** `host:port` of the frontend. */
  readonly address: string;
  readonly namespace: string;
  readonly source: ServerSource;
  /** The web UI, when a dev server with UI was started. */
  readonly uiUrl: string | undefined;
  /** Stops the dev server (a no-op for an existing server). */
  stop(): Promise<void>;
}

export interface ObtainOptions {
  /** Where progress lines go (e.g. "building the Temporal CLI…"); they never carry secrets. */
  readonly log?: (line: string) => void;
  /** Start the dev server's frontend on this port (default: a free one), so other processes can find it. */
  readonly port?: number;
  /** Start the web UI on this port (dev server only). */
  readonly uiPort?: number;
  /** Keep the dev server's state in this SQLite file instead of memory. */
  readonly dbFilename?: string;
  /** Try the SDK's download as the last resort (default true); tests turn it off to stay offline. */
  readonly allowDownload?: boolean;
}

/** No server could be found, started or built; the message says how to provide one. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
}

export function cachedCliPath(config: TemporalConfig): string {
  return join(config.cacheDir, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/** Builds the Temporal CLI with Go into the cache (src/temporal/go-binaries.ts). */
export async function buildCli(
  config: TemporalConfig,
  goBinary: string,
  log: (line: string) => void,
): Promise<string> {
  const target = cachedCliPath(config);
  try {
    await goInstall(
      {
        what: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`,
        packages: [`${CLI_MODULE}@${TEMPORAL_CLI_VERSION}`],
        binaries: ['temporal'],
        targetDir: dirname(target),
        cacheDir: config.cacheDir,
      },
      goBinary,
      log,
    );
  } catch (error) {
    throw new TemporalUnavailableError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  return target;
}

/** Where a dev server binary comes from, without starting anything (steps 2–4). */
export async function resolveCli(
  config: TemporalConfig,
  log: (line: string) => void,
): Promise<{ path: string; source: ServerSource } | undefined> {
  if (config.cliPath !== undefined) {
    if (!(await isExecutable(config.cliPath))) {
      throw new TemporalUnavailableError(`TEMPORAL_CLI_PATH=${config.cliPath} is not an executable file.`);
    }
    return { path: config.cliPath, source: 'cli-path' };
  }
  const onPath = await findOnPath('temporal', config.searchPath);
  if (onPath !== undefined) return { path: onPath, source: 'path' };
  const cached = cachedCliPath(config);
  if (await isExecutable(cached)) return { path: cached, source: 'cache' };
  const go = await findOnPath('go', config.searchPath);
  if (go !== undefined) return { path: await buildCli(config, go, log), source: 'built' };
  return undefined;
}

function unavailable(cause: unknown): TemporalUnavailableError {
  const message = cause instanceof Error ? cause.message : String(cause);
  // The SDK's download error repeats the URL twice; its last clause ("dns error: …") is the useful part.
  const reason = message.split(': ').slice(-2).join(': ').slice(0, 200);
  return new TemporalUnavailableError(
    [
      'No Temporal server could be found or started.',
      `  Tried: TEMPORAL_ADDRESS (unset), TEMPORAL_CLI_PATH (unset), \`temporal\` on PATH, the cached build, Go on PATH, and the SDK download (${reason}).`,
      'Provide one of:',
      '  TEMPORAL_ADDRESS=host:7233            an existing Temporal server (custom search attributes KlingTaskId, KlingModel: Keyword)',
      '  TEMPORAL_CLI_PATH=/path/to/temporal   a Temporal CLI binary; its dev server is started for you',
      `  Go on PATH                            the CLI is built once with \`go install ${CLI_MODULE}@${TEMPORAL_CLI_VERSION}\``,
    ].join('\n'),
    { cause },
  );
}

export async function obtainTemporalServer(
  config: TemporalConfig,
  options: ObtainOptions = {},
): Promise<TemporalServer> {
  const log = options.log ?? (() => undefined);
  if (config.address !== undefined) {
    return {
      address: config.address,
      namespace: config.namespace,
      source: 'address',
      uiUrl: undefined,
      stop: () => Promise.resolve(),
    };
  }
  const cli = await resolveCli(config, log);
  const source: ServerSource = cli?.source ?? 'download';
  if (source === 'download' && options.allowDownload === false)
    throw unavailable(new Error('download disabled'));
  if (source === 'download') log('No Temporal CLI here and no Go to build one: trying the SDK download…');
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        ...(cli === undefined ? {} : { executable: { type: 'existing-path', path: cli.path } }),
        namespace: config.namespace,
        ip: '127.0.0.1',
        ...(options.port === undefined ? {} : { port: options.port }),
        searchAttributes: customSearchAttributes,
        ...(options.uiPort === undefined ? {} : { ui: true, uiPort: options.uiPort }),
        ...(options.dbFilename === undefined ? {} : { dbFilename: options.dbFilename }),
      },
    });
  } catch (error) {
    if (source === 'download') throw unavailable(error);
    throw error;
  }
  return {
    address: env.address,
    namespace: config.namespace,
    source,
    uiUrl: options.uiPort === undefined ? undefined : `http://127.0.0.1:${options.uiPort}`,
    stop: () => env.teardown(),
  };
}
