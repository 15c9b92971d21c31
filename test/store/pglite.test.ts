import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrations } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open-store.js';
import { openPgliteSql } from '../../src/store/pglite-sql.js';
import { billLineFor, newJob, uniqueJobId } from './fixtures.js';
import { jobStoreContract } from './job-store-contract.js';
import { sqlContract } from './sql-contract.js';

describe('PGlite in memory', () => {
  jobStoreContract(() => openStore({ dataDir: 'memory://' }));
  sqlContract(() => openPgliteSql('memory://'));
});

describe('PGlite in a data folder', () => {
  let parent: string;
  let dataDir: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'kling-store-'));
    // A folder that does not exist yet: openStore creates it.
    dataDir = join(parent, 'nested', 'data');
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('keeps jobs and bill lines across a close and a reopen, and migrates only once', async () => {
    const jobId = uniqueJobId('persist');
    const first = await openStore({ dataDir });
    const { job } = await first.insertJob(newJob(jobId));
    const { line } = await first.insertBillLine(billLineFor(jobId));
    await first.close();

    const second = await openStore({ dataDir });
    try {
      expect(await second.getJob(jobId)).toStrictEqual(job);
      expect(await second.getBillLine(jobId)).toStrictEqual(line);
      expect(await second.insertBillLine(billLineFor(jobId, { amountCents: 1 }))).toStrictEqual({
        line,
        inserted: false,
      });
    } finally {
      await second.close();
    }

    const sql = await openPgliteSql(dataDir);
    try {
      expect(await migrate(sql)).toStrictEqual([]);
      const rows = await sql.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((row) => row.version)).toStrictEqual(migrations.map((m) => m.version));
    } finally {
      await sql.close();
    }
  });

  describe('the contract on disk', () => {
    jobStoreContract(() => openStore({ dataDir }));
  });
});
