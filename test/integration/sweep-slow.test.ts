// A task sweep whose reading takes longer than half its interval (here: Kling answers after 1.2 s, the interval is
// 1 s) rests as long as it took before the next one, by the sweep's own clock, and the real worker process says so in
// one WARN line per such sweep: how long it took and where the time went. The job still ends on the sweep, billed once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import type { SweepReport } from '../../src/activities/sweep.js';
import { JOB_WORKFLOW } from '../../src/definitions/job.js';
import { taskSweepWorkflowId } from '../../src/definitions/sweep.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { createDatabase } from '../store/databases.js';
import { eventually } from '../support/eventually.js';
import { connectTemporal, type TemporalTestContext } from '../support/temporal.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { tearDown, workerEnvironment } from '../support/worker-rig.js';

const LATENCY_MS = 1_200;
const INTERVAL_MS = 1_000;

describe('a task sweep slower than half its interval', () => {
  let temporal: TemporalTestContext;
  let simulator: Simulator;
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let worker: WorkerProcess;

  beforeAll(async () => {
    temporal = await connectTemporal('sweep-slow');
    simulator = await startSimulator({
      submittedMs: 500,
      processingMs: 9_000,
      jitter: 0,
      seed: 3,
      latencyMs: LATENCY_MS,
    });
    database = await createDatabase(inject('databaseUrl'));
    worker = await startWorkerProcess(
      'main',
      workerEnvironment({ temporal, simulator, database }, INTERVAL_MS / 1_000),
    );
  }, 300_000);
  afterAll(() => tearDown({ worker, simulator, temporal, database }));

  it('rests as long as it took, and logs where its time went', async () => {
    const job = await temporal.client.workflow.start(JOB_WORKFLOW, {
      taskQueue: temporal.taskQueue,
      workflowId: `job-sweep-slow-${Date.now()}`,
      args: [{ model_name: 'kling-v2-6', prompt: 'A slow tide', duration: 5, mode: 'std' }],
    });
    const result = (await job.result()) as { bill: { costUsd: string } };
    expect(result.bill.costUsd).toMatch(/^\d+\.\d{2}$/);

    const slow = await eventually(() => {
      const lines = worker
        .output()
        .split('\n')
        .filter((line) => line.includes('task sweep: its reading took more than half the interval'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      return lines.length > 0 ? lines : undefined;
    }, 'the slow-sweep line');
    expect(slow[0]).toMatchObject({ level: 'warn', intervalMs: INTERVAL_MS, waiting: 1, requests: 1 });
    expect(slow[0]!.tookMs).toBeGreaterThanOrEqual(LATENCY_MS);
    expect(slow[0]!.klingMs).toBeGreaterThanOrEqual(LATENCY_MS);
    for (const phase of ['storeMs', 'wakeMs', 'recordMs']) expect(typeof slow[0]![phase]).toBe('number');
    // Nothing secret in it.
    expect(JSON.stringify(slow)).not.toContain(simulator.credentials.secretKey);

    // In the sweep's history: after each full sweep that reported more than half the interval, the next one was
    // scheduled no sooner than twice what it took after it was (it began, took that long, and rested as long).
    const { events } = await temporal.client.workflow
      .getHandle(taskSweepWorkflowId(temporal.taskQueue))
      .fetchHistory();
    const scheduledAt = new Map<string, number>();
    const sweeps: { at: number; tookMs: number }[] = [];
    for (const event of events ?? []) {
      const at =
        Number(event.eventTime?.seconds ?? 0) * 1_000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
      if (event.activityTaskScheduledEventAttributes != null) scheduledAt.set(String(event.eventId), at);
      const completed = event.activityTaskCompletedEventAttributes;
      const [payload] = completed?.result?.payloads ?? [];
      if (completed == null || payload === undefined) continue;
      const report = defaultPayloadConverter.fromPayload<SweepReport>(payload);
      sweeps.push({
        at: scheduledAt.get(String(completed.scheduledEventId)) ?? 0,
        tookMs: report.tookMs ?? 0,
      });
    }
    const rested = sweeps.slice(0, -1).flatMap((sweep, i) => {
      if (sweep.tookMs <= INTERVAL_MS / 2) return [];
      return [{ gap: sweeps[i + 1]!.at - sweep.at, tookMs: sweep.tookMs }];
    });
    expect(rested.length).toBeGreaterThanOrEqual(2);
    // Event times are the server's, in whole milliseconds: a little slack for the two clocks.
    for (const { gap, tookMs } of rested) expect(gap).toBeGreaterThanOrEqual(2 * tookMs - 100);
  }, 120_000);
});
