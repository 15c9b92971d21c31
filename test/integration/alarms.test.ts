// Issue 13, "no activity retries forever unseen": the real worker process loses its PostgreSQL mid-job (a TCP proxy
// in front of the run's server is cut). The account's task sweep keeps failing `StoreUnavailable`, and so does the
// accept of a job started meanwhile — both retried, since a database comes back — and after five failures in a row
// of each, the worker counts kling_video_job_alarms_total and logs one ERROR line naming the sweep's workflow, then
// one naming the job. When the database is back, both jobs finish, billed once each.
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
import { tearDown, workerEnvironment } from '../support/worker-rig.js';
import { JOB_WORKFLOW, jobStatusQuery } from '../../src/definitions/job.js';
import { taskSweepWorkflowId } from '../../src/definitions/sweep.js';

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
    worker = await startWorkerProcess(
      'main',
      workerEnvironment({ temporal, simulator, database }, 0.5, {
        DATABASE_URL: viaProxy.toString(),
        METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}`,
      }),
    );
  }, 300_000);
  afterAll(() => tearDown({ worker, simulator, temporal, database }));

  it('raises one alarm per failing step (metric + ERROR line naming the sweep, then the job), keeps retrying, and bills once when the store is back', async () => {
    const start = (jobId: string) =>
      temporal.client.workflow.start(JOB_WORKFLOW, {
        taskQueue: temporal.taskQueue,
        workflowId: jobId,
        args: [payload],
      });
    const alarmLines = () =>
      worker
        .output()
        .split('\n')
        .filter((line) => line.includes('keeps failing'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const alarmOf = (activity: string) =>
      eventually(
        () => alarmLines().find((line) => line.activity === activity),
        `the ${activity} alarm line`,
        60_000,
      );

    // Cut once the job waits: its submission is recorded, and from now on every sweep of the account fails.
    const waitingJob = `job-alarm-${randomUUID()}`;
    const waiting = await start(waitingJob);
    await eventually(
      async () => ((await waiting.query(jobStatusQuery)).phase === 'waiting' ? true : undefined),
      'the job to wait for its Kling task',
    );
    await proxy.cut();
    const sweepAlarm = await alarmOf('sweepTasks');
    const sweepId = taskSweepWorkflowId(temporal.taskQueue);
    expect(sweepAlarm).toMatchObject({ level: 'error', failureType: 'StoreUnavailable' });
    expect(sweepAlarm.msg).toMatch(
      new RegExp(`^workflow ${escape(sweepId)}: sweepTasks keeps failing \\(StoreUnavailable, 5 in a row`),
    );

    // A job started meanwhile cannot be accepted: its local attempts and the normal ones after them are one run.
    const acceptingJob = `job-alarm-${randomUUID()}`;
    const accepting = await start(acceptingJob);
    const jobAlarm = await alarmOf('acceptJob');
    expect(jobAlarm).toMatchObject({ level: 'error', jobId: acceptingJob, failureType: 'StoreUnavailable' });
    expect(jobAlarm.msg).toMatch(
      new RegExp(`^job ${acceptingJob}: acceptJob keeps failing \\(StoreUnavailable, 5 in a row`),
    );

    const samples = await eventually(async () => {
      const found = await scrape(metricsUrl);
      return found.length >= 2 ? found : undefined;
    }, 'the alarm metric');
    const labelled = (activity: string) =>
      samples.filter(
        (sample) =>
          sample.labels.includes(`activity="${activity}"`) &&
          sample.labels.includes('failure_type="StoreUnavailable"'),
      );
    expect(samples).toHaveLength(2);
    expect(labelled('acceptJob')).toHaveLength(1);
    expect(labelled('sweepTasks')).toHaveLength(1);
    // Bounded labels: never a job id.
    for (const sample of samples) expect(sample.labels).not.toContain('job-alarm-');
    expect(samples.map((sample) => sample.value)).toStrictEqual([1, 1]);

    // Still retrying (the database may come back), with no second alarm for the same run of failures.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(alarmLines()).toHaveLength(2);
    await proxy.restore();
    for (const handle of [waiting, accepting]) {
      const result = (await handle.result()) as { bill: { costUsd: string } };
      expect(result.bill.costUsd).toBe('0.60');
    }
    const lines = await queryOnce(
      database.url,
      `SELECT job_id FROM bill_lines WHERE job_id IN ('${waitingJob}', '${acceptingJob}')`,
    );
    expect(lines).toHaveLength(2);
    expect((await scrape(metricsUrl)).map((sample) => sample.value)).toStrictEqual([1, 1]);
  }, 240_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
