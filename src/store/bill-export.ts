import type { BillLine } from '../domain/bill-line.js';
import { KlingBilling } from '../domain/kling-billing.js';
import { BILL_LINE_JSON_FIELDS, billLineFromRow } from './rows.js';
import type { Row, SqlQuery } from './sql.js';

/** A period of bill lines: `from` inclusive, `to` exclusive (ISO-8601 instants); either may be open. */
export interface BillExportQuery {
  readonly from?: string;
  readonly to?: string;
  readonly model?: string;
  /** Lines per query; memory holds one page at a time. */
  readonly batchSize?: number;
}

/** A bill line with what Kling reported it charged for the same task (new API), or null when it reported nothing. */
export interface ExportedBillLine {
  readonly line: BillLine;
  readonly klingBilling: KlingBilling | null;
}

export const DEFAULT_EXPORT_BATCH = 1_000;

// The keyset: created_at to the microsecond (exact, unlike a driver's Date) and the job id that breaks ties.
const CURSOR_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The bill lines of a period, oldest first, in pages: each page is one query that resumes after the last line of
 * the previous one (keyset pagination on the (created_at, job_id) index of migration 3). Neither driver needs a
 * server-side cursor (PGlite has none), no transaction is held open, and memory stays at one page however long
 * the period. Lines written during the export behind the cursor are not seen; lines ahead of it are.
 */
export async function* exportBillLines(
  sql: SqlQuery,
  query: BillExportQuery,
): AsyncGenerator<ExportedBillLine> {
  const batchSize = query.batchSize ?? DEFAULT_EXPORT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`bad batch size ${batchSize}`);
  const filters: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.from !== undefined) filters.push(`created_at >= ${param(query.from)}::timestamptz`);
  if (query.to !== undefined) filters.push(`created_at < ${param(query.to)}::timestamptz`);
  if (query.model !== undefined) filters.push(`model = ${param(query.model)}`);
  const limit = param(batchSize);
  const fixed = params.length;

  let cursor: { at: string; jobId: string } | undefined;
  for (;;) {
    const page = [...filters];
    const pageParams = params.slice(0, fixed);
    if (cursor !== undefined) {
      pageParams.push(cursor.at, cursor.jobId);
      page.push(`(created_at, job_id) > ($${fixed + 1}::timestamptz, $${fixed + 2})`);
    }
    // One JSON text per row; Kling's report is looked up per line by primary key, so a page costs its own lines
    // whatever the size of the jobs table.
    const rows = await sql.query(
      `SELECT json_build_object(${BILL_LINE_JSON_FIELDS}, 'cursor_at', ${CURSOR_AT},
                'kling_billing', (SELECT j.kling_billing FROM jobs j WHERE j.job_id = b.job_id))::text AS line
       FROM bill_lines b
       ${page.length === 0 ? '' : `WHERE ${page.join(' AND ')}`}
       ORDER BY created_at, job_id
       LIMIT ${limit}`,
      pageParams,
    );
    let last: Row | undefined;
    for (const { line } of rows) {
      last = JSON.parse(String(line)) as Row;
      yield {
        line: billLineFromRow(last),
        klingBilling: last.kling_billing === null ? null : KlingBilling.parse(last.kling_billing),
      };
    }
    if (last === undefined || rows.length < batchSize) return;
    cursor = { at: String(last.cursor_at), jobId: String(last.job_id) };
  }
}
