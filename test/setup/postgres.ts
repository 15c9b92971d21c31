// One PostgreSQL for the whole run. TEST_DATABASE_URL names an existing server; otherwise a throwaway cluster is
// made from Debian's binaries in a temp folder and removed at the end. No PostgreSQL means a failed run with the
// way to provide one: the store's PostgreSQL tests are never skipped.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';
const HOW_TO_PROVIDE =
  'Set TEST_DATABASE_URL to a PostgreSQL server the tests may create databases on, ' +
  'or install the server binaries (`apt-get install postgresql`, or `bash .ci/install-postgres.sh`).';

export async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('databaseUrl', given);
    log(`using TEST_DATABASE_URL (${new URL(given).host})`);
    return undefined;
  }
  const started = Date.now();
  const cluster = await startPostgres();
  log(`throwaway PostgreSQL on port ${cluster.port} ready in ${Date.now() - started} ms`);
  project.provide('databaseUrl', cluster.url);
  return () => cluster.stop();
}

/** A throwaway PostgreSQL cluster in a temp folder (also the cluster suite's, test/cluster). */
export interface ThrowawayPostgres {
  readonly port: number;
  /** Superuser `postgres`, trust authentication, over TCP on 127.0.0.1. */
  readonly url: string;
  /** The server binaries (psql for deploy/postgres-init.sh). */
  readonly binDir: string;
  /** Stops the server (`-m fast`: sessions are cut, as in a restart) and starts it again on the same port. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Stops the server and removes the folder. */
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<ThrowawayPostgres> {
  return startCluster(await findBinDir());
}

async function findBinDir(): Promise<string> {
  const versions = await readdir(POSTGRES_ROOT).catch(() => []);
  // The client package alone also creates these folders; only a folder with initdb can run a server.
  const servers = versions
    .filter((name) => /^\d+$/.test(name) && existsSync(join(POSTGRES_ROOT, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  const [newest] = servers;
  if (newest === undefined)
    throw new Error(`No PostgreSQL server binaries under ${POSTGRES_ROOT}. ${HOW_TO_PROVIDE}`);
  return join(POSTGRES_ROOT, newest, 'bin');
}

async function startCluster(binDir: string): Promise<ThrowawayPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'kling-pg-'));
  const dataDir = join(dir, 'data');
  const port = await freePort();
  // PostgreSQL refuses to run as root; under root the cluster belongs to the `postgres` account.
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
      throw new Error(
        `Running as root but there is no 'postgres' user to run the server as. ${HOW_TO_PROVIDE}`,
      );
    });
    const uid = Number(stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(dir, uid, gid);
  }
  const pgRun = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(binDir, tool), ...args])
      : run(join(binDir, tool), args);

  const cleanup = () => rm(dir, { recursive: true, force: true });
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    // A test cluster thrown away at the end needs no durability.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
  const startServer = async () => {
    await pgRun('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', 'start']);
  };
  try {
    await pgRun('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await startServer();
  } catch (error) {
    await cleanup();
    throw new Error(
      `Could not start a throwaway PostgreSQL from ${binDir}: ${String(error)}. ${HOW_TO_PROVIDE}`,
      {
        cause: error,
      },
    );
  }
  return {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    binDir,
    stopServer: async () => {
      await pgRun('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    },
    startServer,
    stop: async () => {
      await pgRun('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch((error: unknown) =>
        log(`could not stop the server in ${dir}: ${String(error)}`),
      );
      await cleanup();
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function log(line: string): void {
  process.stderr.write(`[postgres] ${line}\n`);
}
