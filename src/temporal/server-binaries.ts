// Temporal's own server (`server`, run as separate frontend / history / matching / worker processes), its SQL
// schema tool (`sql`, the admin image's `temporal-sql-tool`) and the PostgreSQL schema folder, for the cluster
// suite (test/cluster). Each binary, in order:
//   1. TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH → that binary;
//   2. the per-user cache                            → the one built before;
//   3. Go on PATH                                    → both built once into the cache with one `go install`.
// The schemas: TEMPORAL_SCHEMA_DIR, else the server module's own `schema/postgresql/v12` (Go module cache).
import { join } from 'node:path';
import { z } from 'zod';
import type { TemporalConfig } from '../config.js';
import { findOnPath, goInstall, isExecutable, runCollecting } from './go-binaries.js';

/** The server the CLI's dev server bundles (src/temporal/dev-server.ts) and compose runs (temporalio/server). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';

export type BinarySource = 'env' | 'cache' | 'built';

export interface ServerBinaries {
  readonly server: string;
  readonly sqlTool: string;
  /** `…/schema/postgresql/v12`: holds `temporal/versioned` and `visibility/versioned`. */
  readonly schemaDir: string;
  readonly source: { readonly server: BinarySource; readonly sqlTool: BinarySource };
}

/** Cannot find, build or read one of them; the message names the variable that provides it. */
export class ServerBinariesError extends Error {
  override readonly name = 'ServerBinariesError';
}

export function cachedServerDir(config: Pick<TemporalConfig, 'cacheDir'>): string {
  return join(config.cacheDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

const packages = ['cmd/server', 'cmd/tools/sql'].map(
  (pkg) => `${SERVER_MODULE}/${pkg}@${TEMPORAL_SERVER_VERSION}`,
);

export async function resolveServerBinaries(
  config: TemporalConfig,
  log: (line: string) => void,
): Promise<ServerBinaries> {
  const given = [
    ['TEMPORAL_SERVER_PATH', config.serverPath],
    ['TEMPORAL_SQL_TOOL_PATH', config.sqlToolPath],
  ] as const;
  for (const [variable, path] of given) {
    if (path !== undefined && !(await isExecutable(path)))
      throw new ServerBinariesError(`${variable}=${path} is not an executable file.`);
  }
  const cached = {
    server: join(cachedServerDir(config), 'server'),
    sqlTool: join(cachedServerDir(config), 'sql'),
  };
  const build =
    (config.serverPath === undefined && !(await isExecutable(cached.server))) ||
    (config.sqlToolPath === undefined && !(await isExecutable(cached.sqlTool)));
  if (build) {
    const go = await findOnPath('go', config.searchPath);
    if (go === undefined) {
      const missing = given.filter(([, path]) => path === undefined).map(([variable]) => variable);
      throw new ServerBinariesError(
        `No Temporal server binaries: set ${missing.join(' and ')}, or put Go on PATH to build them once ` +
          `with \`go install ${packages.join(' ')}\`.`,
      );
    }
    await buildServerBinaries(config, go, log);
  }
  const fromCache: BinarySource = build ? 'built' : 'cache';
  return {
    server: config.serverPath ?? cached.server,
    sqlTool: config.sqlToolPath ?? cached.sqlTool,
    schemaDir: await schemaDir(config),
    source: {
      server: config.serverPath === undefined ? fromCache : 'env',
      sqlTool: config.sqlToolPath === undefined ? fromCache : 'env',
    },
  };
}

/** Both binaries in one `go install` (one module and version, so they share the compile). */
export function buildServerBinaries(
  config: TemporalConfig,
  goBinary: string,
  log: (line: string) => void,
): Promise<void> {
  return goInstall(
    {
      what: `the Temporal server and its SQL tool ${TEMPORAL_SERVER_VERSION}`,
      packages,
      binaries: ['server', 'sql'],
      targetDir: cachedServerDir(config),
      cacheDir: config.cacheDir,
    },
    goBinary,
    log,
  ).catch((error: unknown) => {
    throw new ServerBinariesError(error instanceof Error ? error.message : String(error), { cause: error });
  });
}

const ModuleDownload = z.object({ Dir: z.string().min(1) });

/** The module's PostgreSQL schemas, from the Go module cache (downloaded there if missing). */
async function schemaDir(config: TemporalConfig): Promise<string> {
  if (config.schemaDir !== undefined) return config.schemaDir;
  const go = await findOnPath('go', config.searchPath);
  if (go === undefined) {
    throw new ServerBinariesError(
      `No schema folder: set TEMPORAL_SCHEMA_DIR to the server's schema/postgresql/v12, or put Go on PATH.`,
    );
  }
  const { code, stdout, output } = await runCollecting(
    go,
    ['mod', 'download', '-json', `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`],
    { ...process.env, GOTOOLCHAIN: 'local' },
  );
  const parsed = code === 0 ? ModuleDownload.safeParse(JSON.parse(stdout)) : undefined;
  if (parsed?.success !== true) {
    throw new ServerBinariesError(
      `Could not locate ${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} (go exit ${code}):\n${output.trim()}`,
    );
  }
  return join(parsed.data.Dir, 'schema', 'postgresql', 'v12');
}
