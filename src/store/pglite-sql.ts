import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Row, Sql } from './sql.js';

const MEMORY = 'memory://';

/** Embedded PostgreSQL (WASM) in `dataDir`, or in memory for `memory://`. */
export async function openPgliteSql(dataDir: string): Promise<Sql> {
  let location = dataDir;
  if (!dataDir.startsWith(MEMORY)) {
    location = resolve(dataDir);
    await mkdir(location, { recursive: true });
  }
  const db = await PGlite.create(location);
  return {
    query: (text, params) => run(db, text, params),
    // PGlite has one backend; its own transaction() holds the instance so other callers' queries wait outside.
    transaction: (work) => db.transaction((tx) => work({ query: (text, params) => run(tx, text, params) })),
    close: () => db.close(),
  };
}

async function run(db: Pick<PGlite, 'query'>, text: string, params?: readonly unknown[]): Promise<Row[]> {
  const result = await db.query<Row>(text, params ? [...params] : undefined);
  return result.rows;
}
