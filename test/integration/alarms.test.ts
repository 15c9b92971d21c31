// Issue 13, "no activity retries forever unseen": the real worker process loses its PostgreSQL mid-job (a TCP proxy
// in front of the run's server is cut). The poll keeps failing `StoreUnavailable` — retried, since a database comes
// back — and after five failures in a row the worker counts kling_video_job_alarms_total and logs one ERROR line
// naming the job and the cause. When the database is back, the job finishes, billed once.
import { randomUUID } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JOB_ALARMS_METRIC } from '../../src/telemetry/metric-names.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { closedPort } from '../cli/run-cli.js';
import { createDatabase, queryOnce } from '../store/databases.js';
import { connectTemporal, type TemporalTestContext } from '../support/temporal.js';
import { eventually } from '../support/eventually.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { JOB_WORKFLOW, jobStatusQuery } from '../../src/workflows/definitions.js';

const payload = { model_name: 'kling-v2-6', prompt: 'A lighthouse at dusk', duration: 5, mode: 'pro' };

/** A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
async function startProxy(
  target: URL,
): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  return {
    port,
    async cut() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    restore: listen,
  };
}

interface Sample {
  readonly name: string;
  readonly labels: string;
  readonly value: number;
}

async function scrape(url: string): Promise<Sample[]> {
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(JOB_ALARMS_METRIC))
    .map((line) => {
      const match = /^(\w+)\{(.*)\}\s+(\S+)$/.exec(line);
      return { name: match?.[1] ?? '', labels: match?.[2] ?? '', value: Number(match?.[3]) };
    });
}

describe('an activity that keeps failing the same way', () => {
  let temporal: TemporalTestContext;
  let simulator: Simulator;
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let worker: WorkerProcess;
  let metricsUrl: string;

  beforeAll(async () => {
    temporal = await connectTemporal('alarms');
    simulator = await startSimulator({ submittedMs: 200, processingMs: 2_000, jitter: 0, seed: 5 });
    database = await createDatabase(inject('databaseUrl'));
    const direct = new URL(database.url);
    proxy = await startProxy(direct);
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const metricsPort = await closedPort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    worker = await startWorkerProcess('main', {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: temporal.taskQueue,
      DATABASE_URL: viaProxy.toString(),
      KLING_BASE_URL: simulator.url,
      KLING_ACCESS_KEY: simulator.credentials.accessKey,
      KLING_SECRET_KEY: simulator.credentials.secretKey,
      KLING_POLL_INTERVAL_SECONDS: '0.5',
      LOG_FORMAT: 'json',
      METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}`,
    });
  }, 300_000);
  afterAll(async () => {
    await worker?.killTree();
    await simulator?.close();
    await temporal?.close();
    await database?.drop();
  });

  it('raises one alarm (metric + ERROR line naming the job), keeps retrying, and bills once when the store is back', async () => {
    const jobId = `job-alarm-${randomUUID()}`;
    const handle = await temporal.client.workflow.start(JOB_WORKFLOW, {
      taskQueue: temporal.taskQueue,
      workflowId: jobId,
      args: [payload],
    });
    // Cut once the job polls: the submission is recorded, and from now on every poll's status write fails.
    await eventually(
      async () => ((await handle.query(jobStatusQuery)).phase === 'waiting' ? true : undefined),
      'the job to poll its Kling task',
    );
    await proxy.cut();

    const alarmLines = () =>
      worker
        .output()
        .split('\n')
        .filter((line) => line.includes('keeps failing'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const [alarm] = await eventually(
      () => (alarmLines().length > 0 ? alarmLines() : undefined),
      'the alarm line',
      60_000,
    );
    expect(alarm).toMatchObject({
      level: 'error',
      jobId,
      activity: 'checkTask',
      failureType: 'StoreUnavailable',
    });
    expect(alarm?.msg).toMatch(
      new RegExp(`^job ${jobId}: checkTask keeps failing \\(StoreUnavailable, 5 in a row`),
    );
    const samples = await eventually(async () => {
      const found = await scrape(metricsUrl);
      return found.length > 0 ? found : undefined;
    }, 'the alarm metric');
    expect(samples).toHaveLength(1);
    expect(samples[0]?.labels).toContain('activity="checkTask"');
    expect(samples[0]?.labels).toContain('failure_type="StoreUnavailable"');
    expect(samples[0]?.value).toBe(1);
    // Bounded labels: never the job id.
    expect(samples[0]?.labels).not.toContain(jobId);

    // Still retrying (the database may come back), with no second alarm for the same run of failures.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(alarmLines()).toHaveLength(1);
    await proxy.restore();
    const result = (await handle.result()) as { bill: { costUsd: string } };
    expect(result.bill.costUsd).toBe('0.60');
    const lines = await queryOnce(database.url, `SELECT job_id FROM bill_lines WHERE job_id = '${jobId}'`);
    expect(lines).toHaveLength(1);
    expect((await scrape(metricsUrl))[0]?.value).toBe(1);
  }, 180_000);
});
