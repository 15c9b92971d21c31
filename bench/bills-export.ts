// Benchmark of `kling-video bills` (issue 17): a month of bill lines exported in bounded memory. Seeds a store
// (PGlite in a temporary folder, or an empty PostgreSQL database given by --database-url), then exports the period
// in a fresh child process per variant — the command's keyset pages against larger pages and against one query
// for everything — and reports each child's time and peak RSS. Not a test: nothing here asserts a number.
//
//   npx tsx bench/bills-export.ts [--lines 1000000] [--database-url postgres://…] [--keep]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exportBills, parseBillsArgs } from '../src/cli/bills.js';
import { migrate } from '../src/store/migrations.js';
import { openStore } from '../src/store/open-store.js';
import { openPgliteSql } from '../src/store/pglite-sql.js';
import { openPostgresSql } from '../src/store/postgres-sql.js';
import type { Sql } from '../src/store/sql.js';

interface Variant {
  readonly name: string;
  readonly format: 'csv' | 'json';
  /** Lines per store query; `all` = one query for the whole period (what a naive export does). */
  readonly page: number | 'all';
}

const VARIANTS: readonly Variant[] = [
  { name: 'keyset, 1,000 a page (the command)', format: 'csv', page: 1_000 },
  { name: 'keyset, 1,000 a page, JSON', format: 'json', page: 1_000 },
  { name: 'one query for everything', format: 'csv', page: 'all' },
];

const PERIOD = ['--from', '2026-11-01', '--to', '2026-11-30'];

interface ChildReport {
  readonly lines: number;
  readonly bytes: number;
  readonly seconds: number;
  /** CPU time of the export (user + system): on a shared machine, steadier than the wall clock. */
  readonly cpuSeconds: number;
  readonly rssAfterOpenMiB: number;
  readonly peakRssMiB: number;
}

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});
const store =
  values['database-url'] === undefined
    ? { dataDir: values['data-dir'] ?? '' }
    : { databaseUrl: values['database-url'] };

if (values.child !== undefined) await runChild(JSON.parse(values.child) as Variant);
else await runParent();

/** One variant in this process: open the store, export the period to a byte counter, report time and memory. */
async function runChild(variant: Variant): Promise<void> {
  const opened = await openStore(store);
  const rssAfterOpen = process.memoryUsage().rss;
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const lines = await exportBills(opened, parseBillsArgs([...PERIOD, '--format', variant.format]), sink, {
    batchSize: variant.page === 'all' ? Number.MAX_SAFE_INTEGER : variant.page,
  });
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  await opened.close();
  const report: ChildReport = {
    lines,
    bytes,
    seconds,
    cpuSeconds: (user + system) / 1e6,
    rssAfterOpenMiB: rssAfterOpen / 2 ** 20,
    // maxRSS is in KiB: the high-water mark of the whole child, the store's own memory included.
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function runParent(): Promise<void> {
  const lines = Number(values.lines);
  const dataDir = store.databaseUrl === undefined ? await mkdtemp(join(tmpdir(), 'bills-bench-')) : undefined;
  const target = store.databaseUrl === undefined ? { dataDir } : store;
  try {
    const sql =
      store.databaseUrl === undefined
        ? await openPgliteSql(dataDir ?? '')
        : openPostgresSql(store.databaseUrl);
    const seeded = performance.now();
    await seed(sql, lines);
    await sql.close();
    const database = store.databaseUrl === undefined ? 'PGlite (on disk)' : 'PostgreSQL';
    console.log(
      `seeded ${lines.toLocaleString('en')} bill lines in ${database} in ${((performance.now() - seeded) / 1000).toFixed(0)} s`,
    );
    console.log(
      `\n| variant | lines | output MiB | wall s | CPU s | lines per CPU s | RSS after open MiB | peak RSS MiB |`,
    );
    console.log(`|---|---:|---:|---:|---:|---:|---:|---:|`);
    for (const variant of VARIANTS) {
      const report = await child(variant, target);
      console.log(
        `| ${variant.name} | ${report.lines.toLocaleString('en')} | ${(report.bytes / 2 ** 20).toFixed(0)} | ${report.seconds.toFixed(1)} | ${report.cpuSeconds.toFixed(1)} | ${Math.round(report.lines / report.cpuSeconds).toLocaleString('en')} | ${report.rssAfterOpenMiB.toFixed(0)} | ${report.peakRssMiB.toFixed(0)} |`,
      );
    }
  } finally {
    if (dataDir !== undefined && !values.keep) await rm(dataDir, { recursive: true, force: true });
  }
}

function child(variant: Variant, target: { dataDir?: string; databaseUrl?: string }): Promise<ChildReport> {
  const args = [
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--child',
    JSON.stringify(variant),
    ...(target.databaseUrl === undefined
      ? ['--data-dir', target.dataDir ?? '']
      : ['--database-url', target.databaseUrl]),
  ];
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as ChildReport)
        : reject(new Error(`${variant.name}: exit ${code}`)),
    );
  });
}

/**
 * `lines` bill lines spread over November 2026 (three models; one in ten with a Kling report beside it), written
 * by the database itself in slices, so seeding a million costs no memory here.
 */
async function seed(sql: Sql, lines: number): Promise<void> {
  await migrate(sql);
  const SLICE = 100_000;
  const step = (30 * 86_400_000) / lines;
  for (let first = 1; first <= lines; first += SLICE) {
    const last = Math.min(lines, first + SLICE - 1);
    await sql.query(
      `INSERT INTO jobs (job_id, model, status, envelope, rate_card, rate_card_sha256, quote, kling_billing)
       SELECT 'job-' || i, 'kling-v2-6', 'succeeded', '{}', '{}', '', '{}',
              CASE WHEN i % 10 = 0 THEN '[{"charge_type":"cash","amount":"0.6","currency":"USD"}]'::jsonb END
       FROM generate_series($1::int, $2::int) i`,
      [first, last],
    );
    await sql.query(
      `INSERT INTO bill_lines (job_id, kling_task_id, model, mode, input_type, requested_seconds, billed_seconds,
         requested_resolution, billed_resolution, factors, raw_cost_usd, cost_usd, amount_cents, rounding, currency,
         rate_card_version, rate_card_sha256, audio, created_at)
       SELECT 'job-' || i, (866889456698785798 + i)::text, (ARRAY['kling-v2-6','kling-v3','kling-video-o1'])[1 + i % 3],
         'pro', 'text', '5', 5, '1080p', '720p',
         '{"basePricePerSecond":"0.12","resolution":"1.0","input":"1.00","model":"1.0"}', '0.6', '0.60', 60,
         'half-up', 'USD', 'portal-2026-11', repeat('a', 64), true,
         timestamptz '2026-11-01 00:00:00+00' + ((i - 1) * $3::float8) * interval '1 millisecond'
       FROM generate_series($1::int, $2::int) i`,
      [first, last, step],
    );
  }
  await sql.query('ANALYZE');
}
