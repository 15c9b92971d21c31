import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, type Config } from '../config.js';
import {
  obtainTemporalServer,
  TemporalUnavailableError,
  type TemporalServer,
} from '../temporal/dev-server.js';
import { installRuntime, startJobWorker } from '../worker.js';
import { loadCliConfig } from './cli-config.js';
import { EXIT_OK, UsageError, type Command } from './command.js';
import {
  assertTemporalReachable,
  isListening,
  LOCAL_TEMPORAL_ADDRESS,
  LOCAL_TEMPORAL_PORT,
  LOCAL_TEMPORAL_UI_PORT,
} from './local-temporal.js';

const help = `Usage: kling-video worker

Runs the worker (what \`npm start\` runs): it polls the Temporal task queue and runs the video jobs. Configured
by environment variables only (see the README for every one). With nothing set it runs on embedded defaults:
  Temporal  a dev server on ${LOCAL_TEMPORAL_ADDRESS} (web UI http://127.0.0.1:${LOCAL_TEMPORAL_UI_PORT}), its state kept in
            <KLING_DATA_DIR>/temporal.db, so \`generate\` and \`status\` find it and jobs survive a restart
  database  PGlite in KLING_DATA_DIR (default .data/)
  Kling     the bundled simulator, announced by a loud banner: no real video, nobody charged
NODE_ENV=production refuses to start without real Kling credentials (KLING_ACCESS_KEY + KLING_SECRET_KEY, or
KLING_API_KEY) and DATABASE_URL. Ctrl+C (SIGINT) or SIGTERM stops it after in-flight activities finish.

Exit codes: 0 stopped by a signal; 2 invalid configuration (an unreachable database and a taken
KLING_CALLBACK_LISTEN port included), no Temporal server, or port ${LOCAL_TEMPORAL_PORT} taken.`;

export const workerCommand: Command = {
  help,
  async run(argv) {
    try {
      parseArgs({ args: [...argv], options: {}, allowPositionals: false });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const config = loadCliConfig();
    const { logger, shutdown } = installRuntime(config);
    let devServer: TemporalServer | undefined;
    try {
      if (config.temporal.address !== undefined) await assertTemporalReachable(config.temporal);
      devServer =
        config.temporal.address === undefined
          ? await startLocalDevServer(config, (line) => {
              logger.info(line);
            })
          : undefined;
      const worker = await startJobWorker(
        devServer === undefined
          ? config
          : { ...config, temporal: { ...config.temporal, address: devServer.address } },
        logger,
      ).catch((error: unknown) => {
        // An unreachable database or a taken callback port: one line, exit 2.
        throw error instanceof ConfigError ? new UsageError(error.message) : error;
      });
      await worker.run();
      logger.info('worker stopped');
      return EXIT_OK;
    } finally {
      await devServer?.stop();
      await shutdown();
    }
  },
};

/**
 * The dev server of `npm start`: on the fixed local port (so other terminals find it) and with its state on disk
 * (so a restart keeps the jobs). The worker gets its address as if TEMPORAL_ADDRESS named it.
 */
async function startLocalDevServer(config: Config, log: (line: string) => void): Promise<TemporalServer> {
  if (await isListening('127.0.0.1', LOCAL_TEMPORAL_PORT)) {
    throw new UsageError(
      `port ${LOCAL_TEMPORAL_PORT} is taken (another \`npm start\`, or a Temporal server?): stop it, or point this worker at it with TEMPORAL_ADDRESS=${LOCAL_TEMPORAL_ADDRESS}`,
    );
  }
  // The UI is a convenience: without its port the worker still runs.
  const uiFree = !(await isListening('127.0.0.1', LOCAL_TEMPORAL_UI_PORT));
  await mkdir(config.store.dataDir, { recursive: true });
  const dbFilename = join(config.store.dataDir, 'temporal.db');
  let server: TemporalServer;
  try {
    server = await obtainTemporalServer(config.temporal, {
      log,
      port: LOCAL_TEMPORAL_PORT,
      dbFilename,
      ...(uiFree ? { uiPort: LOCAL_TEMPORAL_UI_PORT } : {}),
    });
  } catch (error) {
    if (error instanceof TemporalUnavailableError) throw new UsageError(error.message);
    throw error;
  }
  log(
    `Temporal dev server on ${server.address}${server.uiUrl === undefined ? ` (web UI off: port ${LOCAL_TEMPORAL_UI_PORT} is taken)` : `, web UI ${server.uiUrl}`}, state in ${dbFilename}`,
  );
  return server;
}
