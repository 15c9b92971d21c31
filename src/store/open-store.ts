import { createJobStore } from './job-store.js';
import type { JobStore } from './job-store.js';
import { migrate } from './migrations.js';
import { openPgliteSql } from './pglite-sql.js';
import { openPostgresSql } from './postgres-sql.js';

export interface StoreOptions {
  /** PostgreSQL; takes precedence over `dataDir`. */
  databaseUrl?: string;
  /** Embedded PGlite folder (created if missing), or `memory://` for a throwaway database. */
  dataDir?: string;
}

/** Opens the store and brings its schema up to date before returning it. */
export async function openStore({ databaseUrl, dataDir }: StoreOptions): Promise<JobStore> {
  let sql;
  if (databaseUrl !== undefined) sql = openPostgresSql(databaseUrl);
  else if (dataDir !== undefined) sql = await openPgliteSql(dataDir);
  else throw new Error('openStore needs a databaseUrl (PostgreSQL) or a dataDir (PGlite)');
  try {
    await migrate(sql);
  } catch (error) {
    await sql.close();
    throw error;
  }
  return createJobStore(sql);
}
