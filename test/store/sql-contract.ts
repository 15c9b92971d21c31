import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sql } from '../../src/store/sql.js';

/** What both drivers' adapters must do the same way. */
export function sqlContract(open: () => Promise<Sql>): void {
  let sql: Sql;
  beforeAll(async () => {
    sql = await open();
    await sql.query('CREATE TABLE sql_contract (id integer PRIMARY KEY, doc jsonb)');
  });
  afterAll(async () => {
    await sql?.close();
  });

  it('passes parameters and returns JSONB as values', async () => {
    const doc = { price: '0.60', cents: 60, tags: ['a', 'b'] };
    await sql.query('INSERT INTO sql_contract (id, doc) VALUES ($1, $2::jsonb)', [1, JSON.stringify(doc)]);
    expect(await sql.query('SELECT id, doc FROM sql_contract WHERE id = $1', [1])).toStrictEqual([
      { id: 1, doc },
    ]);
  });

  it('commits a transaction that returns and rolls back one that throws', async () => {
    const value = await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO sql_contract (id) VALUES (2)');
      return 'committed';
    });
    expect(value).toBe('committed');
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO sql_contract (id) VALUES (3)');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await sql.query('SELECT id FROM sql_contract WHERE id IN (2, 3) ORDER BY id');
    expect(rows).toStrictEqual([{ id: 2 }]);
  });
}
