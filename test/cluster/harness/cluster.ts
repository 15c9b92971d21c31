// The production topology on one machine, without Docker, through the same files docker-compose.yml uses:
//   PostgreSQL (throwaway) ─ deploy/postgres-init.sh (the worker's role and database)
//                          ─ deploy/temporal-schema.sh (Temporal's two databases, the module's schema tool)
//   Temporal: four processes, `deploy/temporal-server.sh --service frontend|history|matching|worker`, one config
//             (deploy/temporal-server.yaml + deploy/temporal-dynamicconfig.yaml), ports of their own
//   deploy/temporal-namespace.sh (namespace + search attributes, with the real Temporal CLI)
//   the Kling simulator as its own process (`kling-video simulator`)
//   N workers: `kling-video worker` with NODE_ENV=production, DATABASE_URL and TEMPORAL_ADDRESS, as in compose.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { loadConfig } from '../../../src/config.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from '../../../src/kling/simulator/simulator.js';
import type { SimulatorKnobsUpdate } from '../../../src/kling/simulator/knobs.js';
import type { SimulatorCounters } from '../../../src/kling/simulator/counters.js';
import type { SimulatedTask } from '../../../src/kling/simulator/tasks.js';
import { resolveCli } from '../../../src/temporal/dev-server.js';
import { resolveServerBinaries } from '../../../src/temporal/server-binaries.js';
import { freePort, startPostgres, type ThrowawayPostgres } from '../../setup/postgres.js';
import { ClusterProcess } from './process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const deploy = (file: string) => join(root, 'deploy', file);

export const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type Service = (typeof SERVICES)[number];

export interface ClusterOptions {
  readonly workers: number;
  /** Flags of `kling-video simulator` (its knobs); more can be set while it runs. */
  readonly simulatorArgs: readonly string[];
  /** Environment every worker gets on top of the compose-like one (poll interval, say). */
  readonly workerEnv: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

export interface Cluster {
  readonly temporalAddress: string;
  readonly namespace: string;
  readonly taskQueue: string;
  /** The workers' database (role `kling`, database `kling_video`), as in compose. */
  readonly databaseUrl: string;
  readonly postgres: ThrowawayPostgres;
  readonly logDir: string;
  readonly services: ReadonlyMap<Service, ClusterProcess>;
  readonly workers: readonly ClusterProcess[];
  readonly simulator: SimulatorControl;
  /** Stops one service (SIGTERM, or SIGKILL) and starts it again on the same ports. */
  restartService(service: Service, signal: NodeJS.Signals): Promise<void>;
  stopServices(signal: NodeJS.Signals): Promise<void>;
  startServices(): Promise<void>;
  /** Starts a worker (ready when it says so); `env` adds to the workers' environment. */
  startWorker(env?: Readonly<Record<string, string>>): Promise<ClusterProcess>;
  stop(): Promise<void>;
}

export interface SimulatorControl {
  readonly url: string;
  /** The lines it printed, one per request (`GET /v1/videos/text2video/<id>?… → 200 code 0`) and transition. */
  readonly lines: readonly { readonly text: string }[];
  counters(): Promise<SimulatorCounters>;
  tasks(): Promise<SimulatedTask[]>;
  setFaults(update: SimulatorKnobsUpdate): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { log } = options;
  const logDir = join(root, '.data', 'cluster', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(logDir, { recursive: true });
  log(`logs in ${logDir}`);
  const temporalConfig = loadConfig().temporal;
  const binaries = await resolveServerBinaries(temporalConfig, log);
  const cli = await resolveCli(temporalConfig, log);
  if (cli === undefined)
    throw new Error('No Temporal CLI for deploy/temporal-namespace.sh (npm run temporal:cli).');

  const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const processes: ClusterProcess[] = [];
  const spawnProcess = (name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv) => {
    const child = new ClusterProcess({ name, command, args, env, logFile: join(logDir, `${name}.log`) });
    processes.push(child);
    return child;
  };
  const runOnce = async (name: string, script: string, env: NodeJS.ProcessEnv) => {
    const started = Date.now();
    const child = spawnProcess(name, 'sh', [deploy(script)], { ...baseEnv, ...env });
    const code = await child.exited;
    if (code !== 0) throw new Error(`deploy/${script} failed (${code}):\n${child.tail()}`);
    log(`deploy/${script}: done in ${Date.now() - started} ms`);
  };

  let started = Date.now();
  const postgres = await startPostgres();
  log(`PostgreSQL on port ${postgres.port} in ${Date.now() - started} ms`);
  const stopAll = async () => {
    await Promise.all(processes.map((child) => child.stop('SIGKILL')));
    await postgres.stop();
  };

  try {
    // The worker's own role and database, created by the script compose mounts into the postgres image.
    const klingPassword = randomBytes(12).toString('hex');
    await runOnce('postgres-init', 'postgres-init.sh', {
      PATH: `${postgres.binDir}:${baseEnv.PATH}`,
      PGHOST: '127.0.0.1',
      PGPORT: String(postgres.port),
      POSTGRES_USER: 'postgres',
      KLING_DB_NAME: 'kling_video',
      KLING_DB_USER: 'kling',
      KLING_DB_PASSWORD: klingPassword,
    });
    await runOnce('temporal-schema', 'temporal-schema.sh', {
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: '127.0.0.1',
      SQL_PORT: String(postgres.port),
      SQL_USER: 'postgres',
      SQL_PASSWORD: '',
      TEMPORAL_SQL_TOOL_PATH: binaries.sqlTool,
      TEMPORAL_SCHEMA_DIR: binaries.schemaDir,
    });

    // Ports of their own for every service, so several runs on one machine never collide. Below 32768: the
    // cluster_membership table keeps ports as a PostgreSQL smallint (the OS hands out free ports above it).
    const ports: Record<string, string> = {};
    for (const service of SERVICES)
      for (const kind of ['GRPC', 'MEMBERSHIP'])
        ports[`${service.toUpperCase()}_${kind}_PORT`] = String(await freeSmallPort());
    const serverEnv = {
      ...baseEnv,
      ...ports,
      TEMPORAL_SERVER_PATH: binaries.server,
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(postgres.port),
      POSTGRES_USER: 'postgres',
      POSTGRES_PWD: '',
      BIND_ON_IP: '127.0.0.1',
      TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
      FRONTEND_HTTP_PORT: '0',
      TEMPORAL_LOG_LEVEL: 'warn',
    };
    const temporalAddress = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
    const services = new Map<Service, ClusterProcess>();
    const startService = async (service: Service) => {
      services.set(
        service,
        spawnProcess(
          `temporal-${service}`,
          'sh',
          [deploy('temporal-server.sh'), '--service', service],
          serverEnv,
        ),
      );
      // The worker service serves no gRPC: it is up once it joins the membership ring.
      const port = ports[`${service.toUpperCase()}_${service === 'worker' ? 'MEMBERSHIP' : 'GRPC'}_PORT`];
      await untilListening(Number(port), services.get(service)!);
    };
    // The first service to start writes the cluster metadata; several at once on an empty database race on it.
    const startAll = async () => {
      await startService('history');
      await Promise.all(SERVICES.filter((service) => service !== 'history').map(startService));
    };
    started = Date.now();
    await startAll();
    log(
      `Temporal services ${SERVICES.join(', ')} listening in ${Date.now() - started} ms (${temporalAddress})`,
    );

    const namespace = 'kling-cluster';
    await runOnce('temporal-namespace', 'temporal-namespace.sh', {
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_NAMESPACE_RETENTION: '24h',
      TEMPORAL_CLI_PATH: cli.path,
    });

    const simulatorPort = await freePort();
    const simulatorProcess = spawnProcess(
      'kling-simulator',
      process.execPath,
      [
        join(root, 'bin', 'kling-video.js'),
        'simulator',
        '--port',
        String(simulatorPort),
        ...options.simulatorArgs,
      ],
      baseEnv,
    );
    await simulatorProcess.waitForLine(/Kling simulator listening on/, 60_000);
    const simulator = simulatorControl(`http://127.0.0.1:${simulatorPort}`, simulatorProcess);

    // Bundled once: every worker runs byte-identical workflow code and starts without webpack, as in the image.
    started = Date.now();
    const bundlePath = join(logDir, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(root, 'src', 'workflows', 'index.ts'),
      logger: new DefaultLogger('ERROR', ({ message }) => log(message)),
    });
    await writeFile(bundlePath, code);
    log(`workflow bundle in ${Date.now() - started} ms`);

    const taskQueue = 'kling-video';
    const databaseUrl = `postgres://kling:${klingPassword}@127.0.0.1:${postgres.port}/kling_video`;
    const workers: ClusterProcess[] = [];
    let workerCount = 0;
    const startWorker = async (env: Readonly<Record<string, string>> = {}) => {
      workerCount += 1;
      const worker = spawnProcess(
        `worker-${workerCount}`,
        process.execPath,
        [join(root, 'bin', 'kling-video.js'), 'worker'],
        {
          ...baseEnv,
          // What docker-compose.yml gives its worker service.
          NODE_ENV: 'production',
          TEMPORAL_ADDRESS: temporalAddress,
          TEMPORAL_NAMESPACE: namespace,
          TEMPORAL_TASK_QUEUE: taskQueue,
          DATABASE_URL: databaseUrl,
          KLING_ACCESS_KEY: DEFAULT_SIMULATOR_CREDENTIALS.accessKey,
          KLING_SECRET_KEY: DEFAULT_SIMULATOR_CREDENTIALS.secretKey,
          KLING_BASE_URL: simulator.url,
          SHUTDOWN_GRACE_SECONDS: '10',
          LOG_LEVEL: 'INFO',
          LOG_FORMAT: 'json',
          WORKFLOW_BUNDLE_PATH: bundlePath,
          ...options.workerEnv,
          ...env,
        },
      );
      await worker.waitForLine(/"msg":"worker ready"/, 120_000);
      workers.push(worker);
      return worker;
    };
    started = Date.now();
    for (let i = 0; i < options.workers; i++) await startWorker();
    log(`${options.workers} workers ready in ${Date.now() - started} ms`);

    return {
      temporalAddress,
      namespace,
      taskQueue,
      databaseUrl,
      postgres,
      logDir,
      services,
      workers,
      simulator,
      async restartService(service, signal) {
        await services.get(service)?.stop(signal);
        await startService(service);
      },
      async stopServices(signal) {
        await Promise.all([...services.values()].map((child) => child.stop(signal)));
      },
      startServices: startAll,
      startWorker,
      async stop() {
        await Promise.all(workers.map((worker) => worker.stop('SIGTERM', 15_000)));
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function simulatorControl(url: string, child: ClusterProcess): SimulatorControl {
  const admin = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${url}/__simulator/${path}`, init);
    if (!response.ok) throw new Error(`simulator ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    url,
    lines: child.lines,
    counters: () => admin<SimulatorCounters>('counters'),
    tasks: () => admin<SimulatedTask[]>('tasks'),
    async setFaults(update) {
      await admin('faults', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(update),
      });
    },
  };
}

async function freeSmallPort(): Promise<number> {
  for (;;) {
    const port = 10_000 + randomInt(22_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** A service is up once its gRPC port accepts connections (or fails if the process died first). */
async function untilListening(port: number, child: ClusterProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!child.running) throw new Error(`${child.spec.name} exited while starting:\n${child.tail()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${child.spec.name}: port ${port} not open after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
