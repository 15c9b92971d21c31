/** A result row as the driver returns it; callers parse it before trusting its shape. */
export type Row = Record<string, unknown>;

/** The one statement-level operation both drivers share, so every query is the same SQL on PGlite and PostgreSQL. */
export interface SqlQuery {
  /** One statement with `$1`-style parameters (extended protocol: no multi-statement text). */
  query(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Sql extends SqlQuery {
  /**
   * Runs `work` inside BEGIN … COMMIT on a single connection (ROLLBACK when it throws). Needed where
   * statements must share a session: the migration lock is held by the transaction that applies them.
   */
  transaction<T>(work: (tx: SqlQuery) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
