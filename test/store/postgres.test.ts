import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate, migrations } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open-store.js';
import { openPostgresSql } from '../../src/store/postgres-sql.js';
import { createDatabase, queryOnce } from './databases.js';
import { billLineFor, newJob, uniqueJobId } from './fixtures.js';
import { jobStoreContract } from './job-store-contract.js';
import { sqlContract } from './sql-contract.js';

const serverUrl = inject('databaseUrl');

/** A database of its own for each block, dropped afterwards, so runs and files never collide. */
function freshDatabase(): () => string {
  let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
  beforeAll(async () => {
    database = await createDatabase(serverUrl);
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => {
    if (!database) throw new Error('database not created yet');
    return database.url;
  };
}

describe('PostgreSQL', () => {
  const url = freshDatabase();
  jobStoreContract(() => openStore({ databaseUrl: url() }));
  sqlContract(() => Promise.resolve(openPostgresSql(url())));
});

describe('PostgreSQL opened by several workers at once', () => {
  const url = freshDatabase();

  it('applies each migration exactly once', async () => {
    const sqls = [1, 2, 3, 4].map(() => openPostgresSql(url()));
    try {
      const applied = await Promise.all(sqls.map((sql) => migrate(sql)));
      expect(applied.flat().sort()).toStrictEqual(migrations.map((m) => m.version));
    } finally {
      await Promise.all(sqls.map((sql) => sql.close()));
    }
    const rows = await queryOnce(url(), 'SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toStrictEqual(migrations.map((m) => m.version));
  });

  it('serves two stores opened concurrently, and a later reopen sees their rows', async () => {
    const [a, b] = await Promise.all([openStore({ databaseUrl: url() }), openStore({ databaseUrl: url() })]);
    const jobId = uniqueJobId('two-stores');
    let line;
    try {
      const [fromA, fromB] = await Promise.all([a.insertJob(newJob(jobId)), b.insertJob(newJob(jobId))]);
      expect([fromA.inserted, fromB.inserted].sort()).toStrictEqual([false, true]);
      const lines = await Promise.all([
        a.insertBillLine(billLineFor(jobId)),
        b.insertBillLine(billLineFor(jobId)),
      ]);
      expect(lines.filter((r) => r.inserted)).toHaveLength(1);
      line = lines[0]?.line;
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const reopened = await openStore({ databaseUrl: url() });
    try {
      expect(await reopened.getBillLine(jobId)).toStrictEqual(line);
      expect((await reopened.getJob(jobId))?.jobId).toBe(jobId);
    } finally {
      await reopened.close();
    }
    const count = await queryOnce(url(), 'SELECT count(*)::int AS n FROM schema_migrations');
    expect(count).toStrictEqual([{ n: migrations.length }]);
  });
});
