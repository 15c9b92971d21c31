// The bill export's store side (issue 17): the period query pages through (created_at, job_id) without losing or
// repeating a line — ties included —, Kling's reported charge comes along when there is one, and that report is
// bounded and checked before it is written. On PGlite and on PostgreSQL.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_KLING_CHARGES } from '../../src/domain/kling-billing.js';
import { InvalidKlingBillingError, JobNotFoundError } from '../../src/store/errors.js';
import type { JobStore } from '../../src/store/job-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { ExportedBillLine } from '../../src/store/bill-export.js';
import { createDatabase, queryOnce } from './databases.js';
import { billLineFor, newJob, uniqueJobId } from './fixtures.js';

async function collect(iterable: AsyncIterable<ExportedBillLine>): Promise<ExportedBillLine[]> {
  const all: ExportedBillLine[] = [];
  for await (const exported of iterable) all.push(exported);
  return all;
}

function billExportContract(open: () => Promise<JobStore>): void {
  let store: JobStore;
  // Lines of this suite only: the store may hold other suites' lines, so every query names a period of its own.
  const ids: string[] = [];
  const at = (day: number, time: string) => `2031-03-${String(day).padStart(2, '0')}T${time}Z`;
  const seeded = [
    // Three lines in the same millisecond: only the job id orders them, across page boundaries.
    { createdAt: at(1, '00:00:00.000'), model: 'kling-v2-6', cents: 60 },
    { createdAt: at(1, '12:00:00.500'), model: 'kling-v3', cents: 78 },
    { createdAt: at(1, '12:00:00.500'), model: 'kling-v2-6', cents: 60 },
    { createdAt: at(1, '12:00:00.500'), model: 'kling-v2-6', cents: 120 },
    { createdAt: at(1, '23:59:59.999'), model: 'kling-v3', cents: 1000 },
    { createdAt: at(2, '00:00:00.000'), model: 'kling-v2-6', cents: 1 },
    { createdAt: at(3, '08:30:00.000'), model: 'kling-video-o1', cents: 216 },
  ];

  beforeAll(async () => {
    store = await open();
    for (const [index, { createdAt, model, cents }] of seeded.entries()) {
      const jobId = uniqueJobId(`export-${index}`);
      ids.push(jobId);
      await store.insertJob(newJob(jobId));
      const dollars = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      await store.insertBillLine(
        billLineFor(jobId, { createdAt, model, amountCents: cents, costUsd: dollars }),
      );
    }
  });
  afterAll(async () => {
    await store?.close();
  });

  const period = { from: at(1, '00:00:00.000'), to: at(4, '00:00:00.000') };
  const expectedOrder = () =>
    seeded
      .map((line, index) => ({ ...line, jobId: ids[index] ?? '' }))
      .sort((a, b) =>
        a.createdAt === b.createdAt ? (a.jobId < b.jobId ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1,
      )
      .map((line) => line.jobId);

  it('returns every line of the period once, oldest first, whatever the page size', async () => {
    for (const batchSize of [1, 2, 3, 7, 1000]) {
      const lines = await collect(store.exportBillLines({ ...period, batchSize }));
      expect(
        lines.map((e) => e.line.jobId),
        `batch ${batchSize}`,
      ).toStrictEqual(expectedOrder());
    }
  });

  it('includes from and excludes to, to the millisecond', async () => {
    const day1 = await collect(
      store.exportBillLines({ from: at(1, '00:00:00.000'), to: at(2, '00:00:00.000'), batchSize: 2 }),
    );
    expect(day1.map((e) => e.line.createdAt)).toStrictEqual([
      at(1, '00:00:00.000'),
      at(1, '12:00:00.500'),
      at(1, '12:00:00.500'),
      at(1, '12:00:00.500'),
      at(1, '23:59:59.999'),
    ]);
    const after = await collect(store.exportBillLines({ from: at(1, '12:00:00.501'), to: period.to }));
    expect(after.map((e) => e.line.createdAt)).toStrictEqual([
      at(1, '23:59:59.999'),
      at(2, '00:00:00.000'),
      at(3, '08:30:00.000'),
    ]);
  });

  it('filters by model', async () => {
    const v3 = await collect(store.exportBillLines({ ...period, model: 'kling-v3', batchSize: 1 }));
    expect(v3.map((e) => [e.line.model, e.line.amountCents])).toStrictEqual([
      ['kling-v3', 78],
      ['kling-v3', 1000],
    ]);
    expect(await collect(store.exportBillLines({ ...period, model: 'no-such-model' }))).toStrictEqual([]);
  });

  it('returns the stored bill lines unchanged, and null where Kling reported nothing', async () => {
    const [first] = await collect(store.exportBillLines({ ...period, batchSize: 1 }));
    expect(first?.line).toStrictEqual(await store.getBillLine(first?.line.jobId ?? ''));
    expect(first?.klingBilling).toBeNull();
  });

  it("puts Kling's reported charge beside the line, as exact strings; a later report replaces it", async () => {
    const jobId = ids[6] ?? '';
    await store.recordKlingBilling(jobId, [
      { charge_type: 'cash', amount: 0.6, currency: 'USD', list_price: '0.70' },
      { charge_type: 'unit', amount: '35', package_type: 'video-pack' },
    ]);
    const find = async () =>
      (await collect(store.exportBillLines(period))).find((e) => e.line.jobId === jobId)?.klingBilling;
    expect(await find()).toStrictEqual([
      { charge_type: 'cash', amount: '0.6', currency: 'USD', list_price: '0.70' },
      { charge_type: 'unit', amount: '35', package_type: 'video-pack' },
    ]);
    await store.recordKlingBilling(jobId, [{ charge_type: 'cash', amount: '2.16', currency: 'USD' }]);
    expect(await find()).toStrictEqual([{ charge_type: 'cash', amount: '2.16', currency: 'USD' }]);
  });

  it('refuses a Kling report that is not bounded and well formed, and writes nothing', async () => {
    const jobId = ids[5] ?? '';
    const charge = { charge_type: 'cash', amount: '0.01', currency: 'USD' };
    const refused: [unknown, RegExp][] = [
      [{ billing: 'not an array' }, /expected array/],
      [Array.from({ length: MAX_KLING_CHARGES + 1 }, () => charge), /too big/i],
      [[{ ...charge, charge_type: 'credit' }], /0\.charge_type/],
      [[{ ...charge, amount: '-1' }], /0\.amount/],
      [[{ ...charge, amount: '1e3' }], /0\.amount/],
      [[{ ...charge, amount: '9'.repeat(40) }], /0\.amount/],
      [[{ ...charge, amount: Number.NaN }], /0\.amount/],
      [[{ ...charge, currency: 'USD\u001b[31m' }], /0\.currency/],
      [[{ ...charge, currency: 'x'.repeat(65) }], /0\.currency/],
      [[{ charge_type: 'unit', amount: '5' }], /currency or a package_type/],
    ];
    for (const [billing, message] of refused) {
      const attempt = store.recordKlingBilling(jobId, billing);
      await expect(attempt, JSON.stringify(billing).slice(0, 80)).rejects.toBeInstanceOf(
        InvalidKlingBillingError,
      );
      await expect(store.recordKlingBilling(jobId, billing)).rejects.toThrow(message);
    }
    const [exported] = await collect(
      store.exportBillLines({ from: at(2, '00:00:00.000'), to: at(2, '00:00:00.001') }),
    );
    expect(exported?.line.jobId).toBe(jobId);
    expect(exported?.klingBilling).toBeNull();
  });

  it('refuses a report for a job it does not know', async () => {
    await expect(store.recordKlingBilling('job-never-inserted', [])).rejects.toBeInstanceOf(JobNotFoundError);
  });
}

describe('PGlite in memory', () => {
  billExportContract(() => openStore({ dataDir: 'memory://' }));
});

describe('PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
  beforeAll(async () => {
    database = await createDatabase(inject('databaseUrl'));
  });
  afterAll(async () => {
    await database?.drop();
  });
  const url = () => database?.url ?? expect.unreachable('database not created yet');
  billExportContract(() => openStore({ databaseUrl: url() }));

  it('serves the period query from the created_at index, not a scan of every line', async () => {
    // Enough rows that a scan costs more than the index; ANALYZE so the planner knows.
    await queryOnce(
      url(),
      `INSERT INTO jobs (job_id, model, status, envelope, rate_card, rate_card_sha256, quote)
       SELECT 'plan-' || i, 'kling-v2-6', 'succeeded', '{}', '{}', '', '{}' FROM generate_series(1, 20000) i`,
    );
    await queryOnce(
      url(),
      `INSERT INTO bill_lines (job_id, kling_task_id, model, mode, input_type, requested_seconds, billed_seconds,
         requested_resolution, billed_resolution, factors, raw_cost_usd, cost_usd, amount_cents, rounding,
         currency, rate_card_version, rate_card_sha256, audio, created_at)
       SELECT 'plan-' || i, 't', 'kling-v2-6', 'pro', 'text', '5', 5, '1080p', '720p', '{}', '0.6', '0.60', 60,
         'half-up', 'USD', 'v', '', true, timestamptz '2030-01-01' + i * interval '1 minute'
       FROM generate_series(1, 20000) i`,
    );
    await queryOnce(url(), 'ANALYZE');
    const plan = await queryOnce(
      url(),
      `EXPLAIN SELECT job_id FROM bill_lines
       WHERE created_at >= '2030-01-02' AND created_at < '2030-01-03'
         AND (created_at, job_id) > ('2030-01-02 01:00+00', 'plan-1')
       ORDER BY created_at, job_id LIMIT 1000`,
    );
    expect(plan.map((row) => String(row['QUERY PLAN'])).join('\n')).toContain('bill_lines_created_at_job_id');
  });
});
