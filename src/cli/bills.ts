import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { BillTotalsAccumulator } from '../domain/bill-totals.js';
import type { JobStore } from '../store/job-store.js';
import { openStore } from '../store/open-store.js';
import { BILL_FORMATS, billWriter, type BillFormat, type BillPeriod } from './bill-formats.js';
import { loadCliConfig } from './cli-config.js';
import { EXIT_OK, UsageError, type Command } from './command.js';

const help = `Usage: kling-video bills [--from DATE] [--to DATE] [--model M] [--format table|csv|json]

Exports the bill lines of a period from the store, oldest first, then their totals per day, per model and for
the whole period (each per currency). Where Kling reported what it charged for a task (its new API), that
charge stands beside ours. Amounts are exact decimal strings; totals are summed in integer cents.

Options:
  --from DATE     first UTC day included, YYYY-MM-DD (default: from the first line)
  --to DATE       last UTC day included, YYYY-MM-DD (default: through the last line);
                  --from 2026-11-01 --to 2026-11-30 is November, 2026-11-30 23:59:59.999 included
  --model M       only the lines of this model (as billed, e.g. kling-v2-6)
  --format F      table (default), csv (RFC 4180, CRLF, one header; records "line", then "day", "model" and
                  "total"), or json (one document: period, lines, totals)

The export streams: lines are read a page at a time and written as they come, so a month of a million lines
needs no more memory than a page. Store: DATABASE_URL (PostgreSQL), or the embedded PGlite in KLING_DATA_DIR
(default .data/) — PGlite serves one process at a time, so stop a worker that uses the same folder first.

Exit codes: 0 exported (also when the period has no lines); 2 bad arguments or configuration.`;

/** Lines per store query: enough to amortize a round trip, small enough that memory stays flat. */
const PAGE = 1_000;
/** How often the progress line on a terminal's stderr moves. */
const PROGRESS_EVERY = 10_000;

export interface BillsOptions {
  readonly period: BillPeriod;
  readonly format: BillFormat;
}

export const billsCommand: Command = {
  help,
  async run(argv) {
    const options = parseBillsArgs(argv);
    const config = loadCliConfig();
    const store = await openStore(
      config.store.databaseUrl === undefined
        ? { dataDir: config.store.dataDir }
        : { databaseUrl: config.store.databaseUrl },
    );
    const progress = process.stderr.isTTY && !process.stdout.isTTY;
    try {
      const lines = await exportBills(store, options, process.stdout, {
        onProgress: progress ? (n) => process.stderr.write(`\rexported ${n} bill lines`) : undefined,
      });
      if (progress) process.stderr.write(`\rexported ${lines} bill lines\n`);
      return EXIT_OK;
    } catch (error) {
      // The reader went away (`| head`): nothing more to say to it.
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') return EXIT_OK;
      throw error;
    } finally {
      await store.close();
    }
  },
};

/**
 * Streams the export of `options.period` to `out` in `options.format`, honouring back-pressure, and returns the
 * number of lines written. The benchmark (bench/bills-export.ts) runs this same function.
 */
export async function exportBills(
  store: Pick<JobStore, 'exportBillLines'>,
  options: BillsOptions,
  out: Writable,
  { batchSize = PAGE, onProgress }: { batchSize?: number; onProgress?: (lines: number) => void } = {},
): Promise<number> {
  const { period } = options;
  const writer = billWriter(options.format, period);
  const totals = new BillTotalsAccumulator();
  const sink = writeTo(out);
  try {
    let chunk = writer.head();
    let lines = 0;
    for await (const exported of store.exportBillLines({
      ...(period.from === null ? {} : { from: period.from }),
      ...(period.to === null ? {} : { to: period.to }),
      ...(period.model === null ? {} : { model: period.model }),
      batchSize,
    })) {
      totals.add(exported.line, exported.klingBilling);
      chunk += writer.line(exported);
      lines += 1;
      if (chunk.length >= CHUNK) {
        await sink.write(chunk);
        chunk = '';
      }
      if (lines % PROGRESS_EVERY === 0) onProgress?.(lines);
    }
    await sink.write(chunk + writer.tail(totals.totals()));
    return lines;
  } finally {
    sink.release();
  }
}

/** Writes in chunks of about this many characters: one write per line would cost a promise per line. */
const CHUNK = 64 * 1024;

/**
 * Writes that wait for the stream to drain when its buffer is full, and that fail with the stream's error (EPIPE
 * when the reader went away) instead of leaving it unhandled.
 */
function writeTo(out: Writable): { write(text: string): Promise<void>; release(): void } {
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure ??= error;
  };
  out.on('error', onError);
  // A function, so the check after the await sees what the error listener may have set meanwhile.
  const rethrow = (): void => {
    if (failure !== undefined) throw failure;
  };
  return {
    async write(text) {
      rethrow();
      if (text !== '' && !out.write(text)) await once(out, 'drain');
      rethrow();
    },
    release: () => out.off('error', onError),
  };
}

export function parseBillsArgs(argv: readonly string[]): BillsOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        model: { type: 'string' },
        format: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { from, to, model, format = 'table' } = parsed.values;
  if (!(BILL_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format: expected ${BILL_FORMATS.join(', ')}; got "${format}"`);
  }
  if (model !== undefined && (model.trim() === '' || model.length > 200)) {
    throw new UsageError('--model: expected a model name, e.g. kling-v2-6');
  }
  const fromDay = from === undefined ? null : utcDayStart('--from', from);
  const toDay = to === undefined ? null : utcDayStart('--to', to);
  if (fromDay !== null && toDay !== null && fromDay.getTime() > toDay.getTime()) {
    throw new UsageError(`--from ${from} is after --to ${to}: the period would be empty`);
  }
  return {
    format: format as BillFormat,
    period: {
      fromDay: from ?? null,
      toDay: to ?? null,
      from: fromDay?.toISOString() ?? null,
      // --to names the last day included: the query stops at the start of the next one.
      to: toDay === null ? null : new Date(toDay.getTime() + 86_400_000).toISOString(),
      model: model ?? null,
    },
  };
}

/** Midnight UTC of a `YYYY-MM-DD` calendar day; anything else (2026-02-30, 2026-1-5, a time) is refused. */
function utcDayStart(flag: string, value: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match === null ? undefined : new Date(`${value}T00:00:00.000Z`);
  if (date === undefined || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag}: expected a UTC day as YYYY-MM-DD, e.g. 2026-11-01; got "${value}"`);
  }
  return date;
}
