// Failures at start that only a change of configuration fixes: the database cannot be opened, an address cannot be
// listened on. They become a ConfigError naming the variable — one line and exit 2, as for a bad value — instead
// of a stack trace. The message is the driver's or the system's (host and port, never the password).
import { ConfigError, type Config } from './config.js';
import { InvalidRateCardError } from './domain/rate-card.js';
import { classifyStoreError } from './store/errors.js';

/** The rate card of RATE_CARD_PATH is missing, unreadable or invalid (a NUL in `version`, a key given twice, …). */
export function rateCardStartError(error: unknown): unknown {
  if (error instanceof InvalidRateCardError) return new ConfigError(`RATE_CARD_PATH: ${error.message}`);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof Error && typeof code === 'string' && 'syscall' in error) {
    return new ConfigError(`RATE_CARD_PATH: cannot read the rate card: ${error.message}`);
  }
  return error;
}

/** `openStore` failed: unreachable server, refused login, missing database, unusable data folder. */
export function storeStartError(store: Config['store'], error: unknown): unknown {
  if (!(error instanceof Error) || classifyStoreError(error) === undefined) return error;
  const variable = store.databaseUrl === undefined ? `KLING_DATA_DIR (${store.dataDir})` : 'DATABASE_URL';
  return new ConfigError(
    `${variable}: cannot open the database: ${withoutPassword(error.message, store.databaseUrl)}`,
  );
}

const listenProblems: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is taken',
  EADDRNOTAVAIL: 'no such address on this machine',
  EACCES: 'not allowed to listen there',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
};

/** `listen()` failed because of the configured address. */
export function listenStartError(variable: string, address: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  const problem = typeof code === 'string' ? listenProblems[code] : undefined;
  if (problem === undefined) return error;
  return new ConfigError(`${variable}: cannot listen on ${address}: ${problem} (${String(code)})`);
}

function withoutPassword(message: string, databaseUrl: string | undefined): string {
  const password = databaseUrl === undefined ? '' : decodeURIComponent(new URL(databaseUrl).password);
  return password.length < 4 ? message : message.split(password).join('[redacted]');
}
