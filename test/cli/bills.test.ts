// `kling-video bills` as a user runs it (issue 17): bad dates and flags exit 2 naming the flag before any store is
// opened; on PGlite the export is read back by a real CSV parser, with text that a spreadsheet would run defused;
// and the export streams — it reads no further ahead of a slow reader than a page and a chunk.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBills, parseBillsArgs } from '../../src/cli/bills.js';
import type { ExportedBillLine } from '../../src/store/bill-export.js';
import { openStore } from '../../src/store/open-store.js';
import { billLineFor, newJob } from '../store/fixtures.js';
import { runCli } from './run-cli.js';

const spawned = { timeout: 60_000 };

describe('bad arguments: exit 2, naming the flag, before the store is opened', spawned, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'bills-args-')), 'data');
  });
  afterAll(async () => {
    await rm(join(dataDir, '..'), { recursive: true, force: true });
  });

  const cases: [string[], RegExp][] = [
    [['--from', '2026-13-01'], /^kling-video bills: --from: expected a UTC day as YYYY-MM-DD.*"2026-13-01"$/],
    [['--to', '2026-02-30'], /^kling-video bills: --to: .*"2026-02-30"$/],
    [['--from', '2026-1-5'], /--from: .*"2026-1-5"/],
    [['--from', '2026-11-01T00:00:00Z'], /--from: /],
    [['--to', 'yesterday'], /--to: .*"yesterday"/],
    [['--from', '2026-12-01', '--to', '2026-11-30'], /--from 2026-12-01 is after --to 2026-11-30/],
    [['--format', 'xml'], /--format: expected table, csv, json; got "xml"/],
    [['--model', ' '], /--model: expected a model name/],
    [['--colour'], /--colour/],
    [['--from'], /--from/],
  ];
  it.concurrent.each(cases)('%j', async (args, message) => {
    const { code, stdout, stderr } = await runCli(['bills', ...args], { env: { KLING_DATA_DIR: dataDir } });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    await expect(readdir(dataDir)).rejects.toThrow(/ENOENT/);
  });
});

describe('periods', () => {
  it('are UTC days: --from inclusive, --to inclusive (the query stops at the next midnight)', () => {
    expect(parseBillsArgs(['--from', '2026-11-01', '--to', '2026-11-30']).period).toStrictEqual({
      fromDay: '2026-11-01',
      toDay: '2026-11-30',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      model: null,
    });
    expect(parseBillsArgs(['--from', '2028-02-29', '--to', '2028-02-29']).period.to).toBe(
      '2028-03-01T00:00:00.000Z',
    );
    expect(parseBillsArgs([])).toStrictEqual({
      format: 'table',
      period: { fromDay: null, toDay: null, from: null, to: null, model: null },
    });
  });
});

describe('on PGlite', spawned, () => {
  let parent: string;
  let dataDir: string;
  const hostile = '=HYPERLINK("http://evil.example","x"),\r\n"';
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'bills-pglite-'));
    dataDir = join(parent, 'data');
    const store = await openStore({ dataDir });
    const seed: [string, string, string, number][] = [
      ['job-a', 'kling-v2-6', '2026-11-01T23:59:59.999Z', 60],
      [hostile, '-kling-x', '2026-11-02T00:00:00.000Z', 1000],
      ['job-c', 'kling-v2-6', '2026-11-03T00:00:00.000Z', 33],
    ];
    for (const [jobId, model, createdAt, cents] of seed) {
      await store.insertJob(newJob(jobId));
      const costUsd = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      await store.insertBillLine(billLineFor(jobId, { model, createdAt, amountCents: cents, costUsd }));
    }
    await store.close();
  }, 60_000);
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('exports CSV a real parser reads back, quoting and defusing untrusted text', async () => {
    const { code, stdout, stderr } = await runCli(
      ['bills', '--from', '2026-11-01', '--to', '2026-11-02', '--format', 'csv'],
      { env: { KLING_DATA_DIR: dataDir } },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const records = parse<Record<string, string>>(stdout, { columns: true });
    expect(
      records.filter((r) => r.record === 'line').map((r) => [r.job_id, r.model, r.amount]),
    ).toStrictEqual([
      ['job-a', 'kling-v2-6', '0.60'],
      [`'${hostile}`, "'-kling-x", '10.00'],
    ]);
    expect(records.filter((r) => r.record === 'day').map((r) => [r.day, r.amount])).toStrictEqual([
      ['2026-11-01', '0.60'],
      ['2026-11-02', '10.00'],
    ]);
    expect(records.find((r) => r.record === 'total')).toMatchObject({ lines: '2', amount: '10.60' });
  });

  it('shows control characters escaped in the table, never raw', async () => {
    const { code, stdout } = await runCli(['bills', '--model=-kling-x'], {
      env: { KLING_DATA_DIR: dataDir },
    });
    expect(code).toBe(0);
    expect(stdout).toContain('=HYPERLINK(\\"http://evil.example\\",\\"x\\"),\\r\\n\\"');
    expect(stdout).not.toContain('\r');
    expect(stdout).toMatch(/^all\s+USD\s+1\s+10\.00\s+0$/m);
  });
});

describe('streaming', () => {
  it('reads the store only as fast as the reader takes the output', async () => {
    const total = 50_000;
    let yielded = 0;
    const store = {
      async *exportBillLines(): AsyncGenerator<ExportedBillLine> {
        for (let i = 0; i < total; i++) {
          // A store answers asynchronously, a page at a time.
          if (i % 1_000 === 0) await Promise.resolve();
          yielded += 1;
          yield { line: billLineFor(`job-${String(i).padStart(6, '0')}`), klingBilling: null };
        }
      },
    };
    // A reader that takes one chunk per tick and notes how far ahead the export had read by then.
    const aheadAtWrite: number[] = [];
    let written = 0;
    let text = '';
    const out = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        const piece = chunk.toString('utf8');
        text += piece;
        written += piece.split('\r\n').length - 1;
        // The header is one of the rows written.
        aheadAtWrite.push(yielded - (written - 1));
        setImmediate(done);
      },
    });
    const lines = await exportBills(store, parseBillsArgs(['--format', 'csv']), out);
    expect(lines).toBe(total);
    expect(text.split('\r\n').filter((row) => row.startsWith('line,'))).toHaveLength(total);
    // Never more than one chunk (~64 KiB, a few hundred lines) read ahead of what the reader has taken.
    expect(Math.max(...aheadAtWrite)).toBeLessThan(1_000);
    expect(aheadAtWrite.length).toBeGreaterThan(10);
  });
});
