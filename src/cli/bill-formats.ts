// The three outputs of `kling-video bills`. Each is written as it goes — a head, one piece per bill line, then the
// totals — so an export of any length streams through a fixed amount of memory.
import type { BillTotals, KlingChargeSum, Total } from '../domain/bill-totals.js';
import { chargeUnit, type KlingBilling } from '../domain/kling-billing.js';
import type { ExportedBillLine } from '../store/bill-export.js';

export const BILL_FORMATS = ['table', 'csv', 'json'] as const;
export type BillFormat = (typeof BILL_FORMATS)[number];

/** The period as the user gave it and as it was queried (`from` inclusive, `to` exclusive). */
export interface BillPeriod {
  readonly fromDay: string | null;
  readonly toDay: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly model: string | null;
}

export interface BillWriter {
  head(): string;
  line(exported: ExportedBillLine): string;
  tail(totals: BillTotals): string;
}

export function billWriter(format: BillFormat, period: BillPeriod): BillWriter {
  switch (format) {
    case 'csv':
      return csvWriter();
    case 'json':
      return jsonWriter(period);
    case 'table':
      return tableWriter(period);
  }
}

/** `cash 0.60 USD; unit 5 video-pack`: Kling's report of one line, or of a total, in one field. */
function klingText(charges: readonly KlingChargeSum[]): string {
  return charges.map(({ chargeType, amount, unit }) => `${chargeType} ${amount} ${unit}`).join('; ');
}

function lineCharges(billing: KlingBilling | null): KlingChargeSum[] {
  return (billing ?? []).map((charge) => ({
    chargeType: charge.charge_type,
    unit: chargeUnit(charge),
    amount: charge.amount,
  }));
}

// --- CSV (RFC 4180) -------------------------------------------------------------------------------------------

const CSV_COLUMNS = [
  'record',
  'day',
  'model',
  // The name the request used when it was the model's other name (kling-3.0 for kling-v3); empty otherwise.
  'requested_model',
  'job_id',
  'kling_task_id',
  'created_at',
  'mode',
  'input_type',
  'billed_seconds',
  'requested_resolution',
  'billed_resolution',
  'currency',
  'amount',
  'amount_cents',
  'lines',
  'kling_lines',
  'kling_charged',
] as const;

/**
 * One field. Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading
 * apostrophe: job ids and model names come from the portal's requests, so they are not trusted.
 */
function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvRecord(fields: Readonly<Record<(typeof CSV_COLUMNS)[number], string | number>>): string {
  return `${CSV_COLUMNS.map((column) => csvField(fields[column])).join(',')}\r\n`;
}

/**
 * One header, then a `line` record per bill line, then the totals as `day`, `model` and `total` records in the
 * same columns (`lines` counts the lines a record stands for), so a spreadsheet filter on `record` splits them.
 */
function csvWriter(): BillWriter {
  const total = (record: string, t: Total, day: string, model: string) =>
    csvRecord({
      record,
      day,
      model,
      requested_model: '',
      job_id: '',
      kling_task_id: '',
      created_at: '',
      mode: '',
      input_type: '',
      billed_seconds: '',
      requested_resolution: '',
      billed_resolution: '',
      currency: t.currency,
      amount: t.amount,
      amount_cents: t.amountCents.toString(),
      lines: t.lines,
      kling_lines: t.klingLines,
      kling_charged: klingText(t.klingCharged),
    });
  return {
    head: () => `${CSV_COLUMNS.join(',')}\r\n`,
    line: ({ line, klingBilling }) =>
      csvRecord({
        record: 'line',
        day: line.createdAt.slice(0, 10),
        model: line.model,
        requested_model: line.requestedModel ?? '',
        job_id: line.jobId,
        kling_task_id: line.klingTaskId,
        created_at: line.createdAt,
        mode: line.mode,
        input_type: line.inputType,
        billed_seconds: line.billedSeconds,
        requested_resolution: line.requestedResolution,
        billed_resolution: line.billedResolution,
        currency: line.currency,
        amount: line.costUsd,
        amount_cents: line.amountCents,
        lines: 1,
        kling_lines: klingBilling === null ? 0 : 1,
        kling_charged: klingText(lineCharges(klingBilling)),
      }),
    tail: ({ byDay, byModel, all }) =>
      [
        ...byDay.map((t) => total('day', t, t.key, '')),
        ...byModel.map((t) => total('model', t, '', t.key)),
        ...all.map((t) => total('total', t, '', '')),
      ].join(''),
  };
}

// --- JSON -----------------------------------------------------------------------------------------------------

function jsonTotal(t: Total, keyName: 'day' | 'model' | null): Record<string, unknown> {
  const cents = Number(t.amountCents);
  return {
    ...(keyName === null ? {} : { [keyName]: t.key }),
    currency: t.currency,
    lines: t.lines,
    amount: t.amount,
    // Integer cents stay a JSON number while exact; past 2^53 only the string is exact.
    amountCents: Number.isSafeInteger(cents) ? cents : t.amountCents.toString(),
    klingLines: t.klingLines,
    klingCharged: t.klingCharged,
  };
}

/** One JSON document: `{ period, lines: [ …one bill line per row… ], totals: { byDay, byModel, all } }`. */
function jsonWriter(period: BillPeriod): BillWriter {
  let first = true;
  return {
    head: () => `{"period":${JSON.stringify(period)},"lines":[`,
    line: ({ line, klingBilling }) => {
      const separator = first ? '\n' : ',\n';
      first = false;
      return `${separator}${JSON.stringify({ ...line, klingBilling })}`;
    },
    tail: ({ byDay, byModel, all }) =>
      `\n],"totals":${JSON.stringify({
        byDay: byDay.map((t) => jsonTotal(t, 'day')),
        byModel: byModel.map((t) => jsonTotal(t, 'model')),
        all: all.map((t) => jsonTotal(t, null)),
      })}}\n`,
  };
}

// --- table ----------------------------------------------------------------------------------------------------

/** Control characters (a terminal escape in a job id, say) are shown escaped, never sent to the terminal. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** Columns: text left-aligned, numbers right-aligned; a wider value pushes the row, it is never cut. */
function row(cells: readonly (readonly [string, number, 'left' | 'right'])[]): string {
  return `${cells
    .map(([text, width, align]) =>
      align === 'left' ? printable(text).padEnd(width) : printable(text).padStart(width),
    )
    .join('  ')
    .trimEnd()}\n`;
}

const lineRow = (values: readonly string[]): string => {
  const [
    at = '',
    jobId = '',
    model = '',
    mode = '',
    input = '',
    seconds = '',
    amount = '',
    currency = '',
    kling = '',
  ] = values;
  return row([
    [at, 24, 'left'],
    [jobId, 36, 'left'],
    [model, 16, 'left'],
    [mode, 4, 'left'],
    [input, 11, 'left'],
    [seconds, 7, 'right'],
    [amount, 10, 'right'],
    [currency, 8, 'left'],
    [kling, 0, 'left'],
  ]);
};

function totalsTable(title: string, keyTitle: string, totals: readonly Total[]): string {
  const keyWidth = Math.max(keyTitle.length, ...totals.map((t) => t.key.length));
  const totalRow = (values: readonly string[]) => {
    const [key = '', currency = '', lines = '', amount = '', klingLines = '', kling = ''] = values;
    return row([
      [key, keyWidth, 'left'],
      [currency, 8, 'left'],
      [lines, 9, 'right'],
      [amount, 14, 'right'],
      [klingLines, 11, 'right'],
      [kling, 0, 'left'],
    ]);
  };
  return [
    `\n${title}\n`,
    totalRow([keyTitle, 'currency', 'lines', 'amount', 'kling lines', 'kling charged']),
    ...totals.map((t) =>
      totalRow([
        t.key,
        t.currency,
        String(t.lines),
        t.amount,
        String(t.klingLines),
        klingText(t.klingCharged),
      ]),
    ),
  ].join('');
}

function tableWriter(period: BillPeriod): BillWriter {
  let count = 0;
  return {
    head: () => {
      const from = period.fromDay ?? 'the first line';
      const to = period.toDay ?? 'the last line';
      const model = period.model === null ? '' : `, model ${printable(period.model)}`;
      return `Bill lines from ${from} through ${to} (UTC days${model})\n\n${lineRow([
        'created at (UTC)',
        'job id',
        'model',
        'mode',
        'input',
        'seconds',
        'amount',
        'currency',
        'kling charged',
      ])}`;
    },
    line: ({ line, klingBilling }) => {
      count += 1;
      return lineRow([
        line.createdAt,
        line.jobId,
        line.model,
        line.mode,
        line.inputType,
        String(line.billedSeconds),
        line.costUsd,
        line.currency,
        klingText(lineCharges(klingBilling)),
      ]);
    },
    tail: ({ byDay, byModel, all }) =>
      count === 0
        ? '(no bill lines)\n'
        : [
            totalsTable('Totals by day (UTC)', 'day', byDay),
            totalsTable('Totals by model', 'model', byModel),
            totalsTable('Total', 'period', all),
          ].join(''),
  };
}
