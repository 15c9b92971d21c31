import { BillLine } from '../domain/bill-line.js';
import { KlingFamily } from '../domain/family.js';
import { Job, type WaitingTask } from './job.js';
import type { Row } from './sql.js';

// Timestamps leave the database as ISO-8601 text in UTC with milliseconds (what Date#toISOString writes), so
// both drivers return the same string instead of their own Date parsing.
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export const JOB_COLUMNS = [
  'job_id',
  'model',
  'status',
  'envelope',
  'rate_card',
  'rate_card_sha256',
  'quote',
  'kling_task_id',
  'kling_family',
  'kling_api',
  'kling_status',
  'kling_billing',
  'kling_ending',
  'outputs',
  'failure_type',
  'failure_reason',
  `${iso('created_at')} AS created_at`,
  `${iso('updated_at')} AS updated_at`,
].join(', ');

const billLineSelect = [
  'job_id',
  'kling_task_id',
  'model',
  'requested_model',
  'mode',
  'input_type',
  'requested_seconds',
  'billed_seconds',
  'requested_resolution',
  'billed_resolution',
  'factors',
  'raw_cost_usd',
  'cost_usd',
  'amount_cents',
  'clamped',
  'rounding',
  'currency',
  'rate_card_version',
  'rate_card_sha256',
  'audio',
  `${iso('created_at')} AS created_at`,
];

export const BILL_LINE_COLUMNS = billLineSelect.join(', ');

/**
 * The same columns as `json_build_object` arguments (`'job_id', job_id, …`): a row read as one JSON text field
 * instead of twenty typed ones costs PGlite about half the CPU (the bill export reads millions; bench/bills-export.ts).
 */
export const BILL_LINE_JSON_FIELDS = billLineSelect
  .map((column) => {
    const [expression = column, name = column] = column.split(' AS ');
    return `'${name}', ${expression}`;
  })
  .join(', ');

export function jobFromRow(row: Row): Job {
  return Job.parse({
    jobId: row.job_id,
    model: row.model,
    status: row.status,
    envelope: row.envelope,
    rateCard: row.rate_card,
    rateCardSha256: row.rate_card_sha256,
    quote: row.quote,
    klingTaskId: row.kling_task_id,
    klingFamily: row.kling_family,
    klingApi: row.kling_api,
    klingStatus: row.kling_status,
    klingBilling: row.kling_billing,
    klingEnding: row.kling_ending ?? null,
    outputs: row.outputs,
    failure: row.failure_type === null ? null : { type: row.failure_type, reason: row.failure_reason },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

export function waitingTaskFromRow(row: Row): WaitingTask {
  return {
    jobId: String(row.job_id),
    taskId: String(row.kling_task_id),
    family: KlingFamily.parse(row.kling_family),
    // NULL: submitted before the new API was known, so on the legacy API.
    api: row.kling_api === 'new' ? 'new' : 'legacy',
    createdAt: Number(row.kling_created_at),
    ...(typeof row.kling_status === 'string' ? { klingStatus: row.kling_status } : {}),
  };
}

export function billLineFromRow(row: Row): BillLine {
  return BillLine.parse({
    jobId: row.job_id,
    klingTaskId: row.kling_task_id,
    model: row.model,
    ...(row.requested_model === null || row.requested_model === undefined
      ? {}
      : { requestedModel: row.requested_model }),
    mode: row.mode,
    inputType: row.input_type,
    requestedSeconds: row.requested_seconds,
    billedSeconds: row.billed_seconds,
    requestedResolution: row.requested_resolution,
    billedResolution: row.billed_resolution,
    factors: row.factors,
    rawCostUsd: row.raw_cost_usd,
    costUsd: row.cost_usd,
    // bigint: node-postgres returns it as text, PGlite as a number; BillLine checks it is a safe integer.
    amountCents: typeof row.amount_cents === 'string' ? Number(row.amount_cents) : row.amount_cents,
    clamped: row.clamped,
    rounding: row.rounding,
    currency: row.currency,
    rateCard: { version: row.rate_card_version, sha256: row.rate_card_sha256 },
    audio: row.audio,
    createdAt: row.created_at,
  });
}

/** The columns a bill line is written to, with their SQL types, in the order of billLineParams. */
const billLineInsertColumns = [
  ['job_id', 'text'],
  ['kling_task_id', 'text'],
  ['model', 'text'],
  ['mode', 'text'],
  ['input_type', 'text'],
  ['requested_seconds', 'text'],
  ['billed_seconds', 'integer'],
  ['requested_resolution', 'text'],
  ['billed_resolution', 'text'],
  ['factors', 'jsonb'],
  ['raw_cost_usd', 'text'],
  ['cost_usd', 'text'],
  ['amount_cents', 'bigint'],
  ['clamped', 'text'],
  ['rounding', 'text'],
  ['currency', 'text'],
  ['rate_card_version', 'text'],
  ['rate_card_sha256', 'text'],
  ['audio', 'boolean'],
  ['created_at', 'timestamptz'],
  ['requested_model', 'text'],
] as const;

/** `INSERT INTO bill_lines (…)`, to be followed by VALUES or a SELECT of {@link BILL_LINE_PARAMS}. */
export const INSERT_INTO_BILL_LINES = `INSERT INTO bill_lines (${billLineInsertColumns.map(([name]) => name).join(', ')})`;
/** billLineParams as `$1::text, …`, typed, so they can stand in a SELECT as well as in VALUES. */
export const BILL_LINE_PARAMS = billLineInsertColumns.map(([, type], i) => `$${i + 1}::${type}`).join(', ');
export const BILL_LINE_PARAM_COUNT = billLineInsertColumns.length;

/** Writes a bill line unless its job already has one; returns the row only when this call wrote it. */
export const INSERT_BILL_LINE = `${INSERT_INTO_BILL_LINES} VALUES (${BILL_LINE_PARAMS})
  ON CONFLICT (job_id) DO NOTHING
  RETURNING ${BILL_LINE_COLUMNS}`;

/** The parameters of INSERT_BILL_LINE, in its column order. */
export function billLineParams(line: BillLine): unknown[] {
  return [
    line.jobId,
    line.klingTaskId,
    line.model,
    line.mode,
    line.inputType,
    line.requestedSeconds,
    line.billedSeconds,
    line.requestedResolution,
    line.billedResolution,
    JSON.stringify(line.factors),
    line.rawCostUsd,
    line.costUsd,
    line.amountCents,
    line.clamped,
    line.rounding,
    line.currency,
    line.rateCard.version,
    line.rateCard.sha256,
    line.audio,
    line.createdAt,
    line.requestedModel ?? null,
  ];
}
