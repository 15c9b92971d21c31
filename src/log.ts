// The process's one logger, also installed as the Temporal SDK's logger: one JSON object per line in production,
// readable text in development. Every line passes a redaction step, so a secret that slips into a message or
// metadata (a configured key, or anything shaped like a JWT) is masked before it is written, and control characters
// are escaped in both formats, so no input can forge a log line (issue 13).
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
      const json = JSON.stringify({ time, level: level.toLowerCase(), msg: message, ...meta }, errorsAsJson);
      write(redact(json.replace(/[\u007f-\u009f]/g, unicodeEscape)));
      return;
    }
    // Redacted before escaping, so a secret is found as it was written.
    const fields = Object.entries(meta)
      .map(([key, value]) => `${escapeControls(key)}=${textValue(value, redact)}`)
      .join(' ');
    const line = `${time} ${level.padEnd(5)} ${escapeControls(redact(message))}`;
    write(redact(`${line}${fields === '' ? '' : ` ${fields}`}`));
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

/**
 * Text logs are read by people and parsed by line: a control character from anywhere (a Kling task id, a job id, an
 * error message) is written as an escape, so nothing can start a forged line, hide text or drive a terminal.
 */
function escapeControls(text: string): string {
  return text.replace(/\p{Cc}/gu, (character) => controlEscapes[character] ?? unicodeEscape(character));
}

const controlEscapes: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function unicodeEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A field value: bare when it is one plain word, otherwise quoted, so it cannot pass for other fields. */
function textValue(value: unknown, redact: (text: string) => string): string {
  if (typeof value === 'string') {
    const text = redact(value);
    return /^[^\s"=\\\p{Cc}]+$/u.test(text) ? text : escapeControls(JSON.stringify(text));
  }
  return escapeControls(redact(JSON.stringify(value, errorsAsJson) ?? String(value)));
}

function errorsAsJson(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
