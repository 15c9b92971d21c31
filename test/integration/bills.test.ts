// Issue 17, acceptance 1: `kling-video bills` over a store that real jobs filled — succeeded, failed, cancelled and
// rejected — exports only the billed jobs, with totals equal to the sum of the lines to the cent; the CSV is read
// back by a real CSV parser (csv-parse) and the JSON by JSON.parse. Kling's reported charge, recorded through the
// store, stands beside ours.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillLine } from '../../src/domain/bill-line.js';
import { jobStatusQuery } from '../../src/definitions/job.js';
import { runCli } from '../cli/run-cli.js';
import { eventually } from '../support/eventually.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';

const example = async (name: string): Promise<unknown> =>
  JSON.parse(await readFile(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8')) as unknown;

/** "12.34" → 1234n, read digit by digit: an oracle that shares no code with the export. */
function centsOf(amount: string): bigint {
  const match = /^(\d+)\.(\d{2})$/.exec(amount);
  if (match === null) throw new Error(`not dollars and cents: ${amount}`);
  return BigInt(`${match[1]}${match[2]}`);
}

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

type CsvRecord = Record<string, string>;

describe('kling-video bills over real jobs', () => {
  let p: Pipeline;
  const billed: string[] = [];
  const unbilled: string[] = [];
  let lines: BillLine[];

  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'bills', database: 'postgres' });
    await p.startWorker();
    // Succeeded: two models twice over, with a rounding (kling-v3 std 5 s = 0.325 → 0.33) and a video input.
    for (const name of [
      'kling-v2-6-text-audio',
      'kling-v3-text',
      'kling-video-o1-image-video',
      'kling-v3-text',
    ]) {
      const handle = await p.startJob(await example(name));
      await handle.result();
      billed.push(handle.workflowId);
    }
    // Failed at Kling.
    p.simulator.setFaults({ failTasks: 1 });
    const failed = await p.startJob(await example('kling-v2-6-text-audio'));
    await expect(failed.result()).rejects.toThrow();
    unbilled.push(failed.workflowId);
    // Cancelled while Kling works on it.
    p.simulator.setFaults({ processingMs: 60_000 });
    const cancelled = await p.startJob(await example('kling-v2-6-text-audio'));
    await eventually(
      async () => ((await cancelled.query(jobStatusQuery)).phase === 'waiting' ? true : undefined),
      'the job to wait on Kling',
    );
    await cancelled.cancel();
    await expect(cancelled.result()).rejects.toThrow();
    unbilled.push(cancelled.workflowId);
    // Rejected before anything was submitted.
    const rejected = await p.startJob({ model_name: 'kling-v2-6', duration: 7 });
    await expect(rejected.result()).rejects.toThrow();
    unbilled.push(rejected.workflowId);

    for (const jobId of unbilled) expect((await p.store.getJob(jobId))?.status).not.toBe('succeeded');
    lines = await Promise.all(
      billed.map(
        async (jobId) => (await p.store.getBillLine(jobId)) ?? expect.unreachable(`no line for ${jobId}`),
      ),
    );
    // What Kling's new API would report for the o1 job (the issue-16 work records it from the task).
    await p.store.recordKlingBilling(billed[2] ?? '', [
      { charge_type: 'cash', amount: 2.16, currency: 'USD' },
      { charge_type: 'unit', amount: '80', package_type: 'video-pack' },
    ]);
  });
  afterAll(async () => p?.close());

  const bills = (...args: string[]) =>
    runCli(['bills', '--from', day(-1), '--to', day(1), ...args], {
      env: { DATABASE_URL: p.databaseUrl ?? expect.unreachable('no PostgreSQL') },
    });

  it('exports only the billed jobs as RFC 4180 CSV, with totals that add up to the cent', async () => {
    const { code, stdout, stderr } = await bills('--format', 'csv');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\r\n')[0]).toMatch(/^record,day,model,requested_model,job_id,/);
    const records = parse<CsvRecord>(stdout, { columns: true });
    const byRecord = (kind: string) => records.filter((r) => r.record === kind);

    const exported = byRecord('line');
    expect(exported.map((r) => r.job_id).sort()).toStrictEqual([...billed].sort());
    for (const jobId of unbilled) expect(stdout).not.toContain(jobId);
    for (const line of lines) {
      const record = exported.find((r) => r.job_id === line.jobId);
      expect(record).toMatchObject({
        model: line.model,
        kling_task_id: line.klingTaskId,
        created_at: line.createdAt,
        currency: 'USD',
        amount: line.costUsd,
        amount_cents: String(line.amountCents),
        billed_seconds: String(line.billedSeconds),
      });
      expect(centsOf(record?.amount ?? '')).toBe(BigInt(line.amountCents));
    }
    expect(exported.find((r) => r.job_id === billed[1])?.amount).toBe('0.33');
    expect(exported.find((r) => r.job_id === billed[2])).toMatchObject({
      amount: '2.16',
      kling_lines: '1',
      kling_charged: 'cash 2.16 USD; unit 80 video-pack',
    });

    // Totals, recomputed here from the line records alone.
    const sum = (rs: CsvRecord[]) => rs.reduce((cents, r) => cents + centsOf(r.amount ?? ''), 0n);
    const [total, ...more] = byRecord('total');
    expect(more).toStrictEqual([]);
    expect(centsOf(total?.amount ?? '')).toBe(sum(exported));
    expect(total).toMatchObject({ lines: '4', amount_cents: String(sum(exported)), kling_lines: '1' });
    expect(total?.amount).toBe('3.42'); // 0.60 + 0.33 + 2.16 + 0.33
    for (const t of byRecord('model')) {
      const ofModel = exported.filter((r) => r.model === t.model);
      expect(t).toMatchObject({ lines: String(ofModel.length), amount_cents: String(sum(ofModel)) });
    }
    expect(byRecord('model').map((t) => t.model)).toStrictEqual(['kling-v2-6', 'kling-v3', 'kling-video-o1']);
    for (const t of byRecord('day')) {
      const ofDay = exported.filter((r) => r.day === t.day);
      expect(t).toMatchObject({ lines: String(ofDay.length), amount_cents: String(sum(ofDay)) });
    }
    expect(byRecord('day').reduce((n, t) => n + Number(t.lines), 0)).toBe(4);
  });

  it('exports the same lines and totals as one JSON document, filtered by model', async () => {
    const { code, stdout } = await bills('--format', 'json', '--model', 'kling-v3');
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as {
      period: Record<string, unknown>;
      lines: (BillLine & { klingBilling: unknown })[];
      totals: { all: Record<string, unknown>[]; byModel: Record<string, unknown>[] };
    };
    expect(document.period).toMatchObject({ fromDay: day(-1), toDay: day(1), model: 'kling-v3' });
    expect(document.lines).toStrictEqual(
      lines
        .filter((line) => line.model === 'kling-v3')
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
        .map((line) => ({ ...line, klingBilling: null })),
    );
    expect(document.totals.all).toStrictEqual([
      { currency: 'USD', lines: 2, amount: '0.66', amountCents: 66, klingLines: 0, klingCharged: [] },
    ]);
  });

  it('prints a table with the lines and the totals', async () => {
    const { code, stdout } = await bills();
    expect(code).toBe(0);
    for (const jobId of billed) expect(stdout).toContain(jobId);
    expect(stdout).toMatch(/Totals by model\n/);
    expect(stdout).toMatch(/^all\s+USD\s+4\s+3\.42\s+1\s+cash 2\.16 USD; unit 80 video-pack$/m);
  });
});
