// The process's one logger, also installed as the Temporal SDK's logger: one JSON object per line in production,
// readable text in development. Every line passes a redaction step, so a secret that slips into a message or
// metadata (a configured key, or anything shaped like a JWT) is masked before it is written.
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';

const levels: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const JWT_SHAPE = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g;
const REDACTED = '[redacted]';

export interface LoggerOptions {
  readonly format: 'json' | 'text';
  readonly level: LogLevel;
  /** Values that must never be written (Kling keys, database passwords). */
  readonly secrets: readonly string[];
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const threshold = levels.indexOf(options.level);
  const secrets = options.secrets.filter((secret) => secret.length >= 4);
  const redact = (text: string): string =>
    secrets.reduce((acc, secret) => acc.split(secret).join(REDACTED), text.replace(JWT_SHAPE, REDACTED));

  const log = (level: LogLevel, message: string, meta: LogMetadata = {}): void => {
    if (levels.indexOf(level) < threshold) return;
    const time = now().toISOString();
    if (options.format === 'json') {
      write(
        redact(JSON.stringify({ time, level: level.toLowerCase(), msg: message, ...meta }, errorsAsJson)),
      );
      return;
    }
    const fields = Object.entries(meta)
      .map(
        ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value, errorsAsJson)}`,
      )
      .join(' ');
    write(redact(`${time} ${level.padEnd(5)} ${message}${fields === '' ? '' : ` ${fields}`}`));
  };

  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

function errorsAsJson(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
