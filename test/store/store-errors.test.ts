// Issue 13 at the store: every amount a bill line can carry fits its column (migration 2), and every store error is
// classified once — data the database refuses is `StoreRejected` (never retried), an unreachable database is
// `StoreUnavailable` (retried) — on both backends, with the errors the real drivers raise.
import { createServer, type AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asActivityFailure } from '../../src/activities/failures.js';
import { classifyStoreError } from '../../src/store/errors.js';
import { createJobStore, type JobStore } from '../../src/store/job-store.js';
import { migrate } from '../../src/store/migrations.js';
import { openPgliteSql } from '../../src/store/pglite-sql.js';
import { openPostgresSql } from '../../src/store/postgres-sql.js';
import type { Sql } from '../../src/store/sql.js';
import { startRefusingPostgres } from '../support/refusing-postgres.js';
import { createDatabase } from './databases.js';
import { billLineFor, newJob, uniqueJobId } from './fixtures.js';

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected the store call to fail');
}

function backendContract(
  open: () => Promise<{ store: JobStore; sql: Sql; close: () => Promise<void> }>,
): void {
  let store: JobStore;
  let sql: Sql;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, sql, close } = await open());
  });
  afterAll(async () => {
    await close?.();
  });

  it('keeps bill amounts as bigint: an amount past the 32-bit range is stored and read back exactly', async () => {
    const [column] = await sql.query(
      `SELECT data_type FROM information_schema.columns WHERE table_name = 'bill_lines' AND column_name = 'amount_cents'`,
    );
    expect(column?.data_type).toBe('bigint');
    const jobId = uniqueJobId('big-amount');
    await store.insertJob(newJob(jobId));
    const line = billLineFor(jobId, { costUsd: '50000000.00', amountCents: 5_000_000_000 });
    expect((await store.insertBillLine(line)).line.amountCents).toBe(5_000_000_000);
    expect((await store.getBillLine(jobId))?.amountCents).toBe(5_000_000_000);
  });

  it.each([
    ['a NUL in text', 'SELECT $1::text AS value', ['a\u0000b']],
    ['a NUL in JSONB', 'SELECT $1::jsonb AS value', [JSON.stringify({ prompt: 'a\u0000b' })]],
    ['a number out of range', 'SELECT $1::integer AS value', [3e10]],
    ['a division by zero', 'SELECT 1 / 0 AS value', []],
  ])('%s is rejected: StoreRejected, never retried', async (_name, text, params) => {
    const error = await failureOf(sql.query(text, params));
    expect(classifyStoreError(error)).toBe('rejected');
    const failure = asActivityFailure(error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'StoreRejected', nonRetryable: true });
  });

  it("a guard of the store's own (a job that does not exist) is rejected too", async () => {
    const error = await failureOf(store.recordKlingStatus('job-never-inserted', 'processing'));
    expect(classifyStoreError(error)).toBe('rejected');
  });
}

/** The store and raw SQL on one database, its schema migrated. */
async function storeOn(sql: Sql): Promise<{ store: JobStore; sql: Sql; close: () => Promise<void> }> {
  await migrate(sql);
  return { store: createJobStore(sql), sql, close: () => sql.close() };
}

describe('PGlite', () => {
  backendContract(async () => storeOn(await openPgliteSql('memory://')));
});

describe('PostgreSQL', () => {
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => drop?.());
  backendContract(async () => {
    const database = await createDatabase(inject('databaseUrl'));
    drop = database.drop;
    return storeOn(openPostgresSql(database.url));
  });
});

describe('a database that cannot be reached', () => {
  let server: Awaited<ReturnType<typeof startRefusingPostgres>>;
  let port: number;
  beforeAll(async () => {
    server = await startRefusingPostgres();
    port = server.port;
  });
  afterAll(async () => server?.close());

  it('a refused login is unavailable: StoreUnavailable, retried, without the password in the message', async () => {
    const sql = openPostgresSql(`postgres://kling:hunter2-password@127.0.0.1:${port}/kling`);
    try {
      const error = await failureOf(sql.query('SELECT 1'));
      expect(classifyStoreError(error)).toBe('unavailable');
      const failure = asActivityFailure(error) as ApplicationFailure;
      expect(failure).toMatchObject({ type: 'StoreUnavailable', nonRetryable: false });
      expect(failure.message).toContain('password authentication failed');
      expect(failure.message).not.toContain('hunter2');
    } finally {
      await sql.close();
    }
  });

  it('a closed port is unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const sql = openPostgresSql(`postgres://kling@127.0.0.1:${closedPort}/kling`);
    try {
      const error = await failureOf(sql.query('SELECT 1'));
      expect(classifyStoreError(error)).toBe('unavailable');
      expect(asActivityFailure(error)).toMatchObject({ type: 'StoreUnavailable', nonRetryable: false });
    } finally {
      await sql.close();
    }
  });

  it('an error that is not the store’s is left alone', () => {
    const error = new TypeError('undefined is not a function');
    expect(classifyStoreError(error)).toBeUndefined();
    expect(asActivityFailure(error)).toBe(error);
  });
});
