import pg from 'pg';
import type { Row, Sql } from './sql.js';

/** PostgreSQL through a connection pool. */
export function openPostgresSql(connectionString: string): Sql {
  const pool = new pg.Pool({ connectionString });
  // An idle client that loses its server emits here; the pool drops it and the next query reconnects.
  // Without a listener the event would crash the worker.
  pool.on('error', () => undefined);
  return {
    query: async (text, params) => (await pool.query<Row>(text, params ? [...params] : undefined)).rows,
    transaction: async (work) => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work({
          query: async (text, params) =>
            (await client.query<Row>(text, params ? [...params] : undefined)).rows,
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is not returned to the pool.
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
