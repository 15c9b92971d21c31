// Configuration from the environment: read once, validated once, typed. Nothing else reads process.env.
// A bad value is a startup error naming the variable; secrets are kept out of every message.
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LogLevel } from '@temporalio/common';
import { z } from 'zod';
import { unsafeTextProblem } from './domain/input-limits.js';
import { canonicalModel, modelsServedByBothApis, rulesOf } from './domain/models.js';

/** Unset and empty both mean "not configured". */
const unchecked = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/**
 * Every value of ours: no control characters (a newline in a key breaks a header, an escape sequence a log line,
 * and a value may reach the store or a job's history). The message never shows the value, which may be a secret.
 */
const optional = unchecked.check((ctx) => {
  const problem = ctx.value === undefined ? undefined : unsafeTextProblem(ctx.value, 'identifier');
  if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: undefined });
});

/**
 * A duration or interval: a plain positive number up to `max`. Each bound says why; without one, a typo such as
 * 1000000000 would schedule a 31-year timer, and the values a job is accepted with stay with it for its life.
 */
const boundedNumber = (fallback: number, max: number, why: string) =>
  optional
    .pipe(
      z
        .string()
        .regex(/^\d+(\.\d+)?$/, 'expected a positive number')
        .optional(),
    )
    .transform((value) => (value === undefined ? fallback : Number(value)))
    .pipe(
      z
        .number()
        .positive('expected a positive number')
        // Below a millisecond a value rounds to 0, which Temporal reads as "no interval".
        .min(0.001, 'expected at least 0.001')
        .max(max, `at most ${max} (${why})`),
    );

/** A name that reaches Temporal and, in the account-slots workflow id, every job's history. */
const temporalName = optional.pipe(z.string().max(200, 'at most 200 characters').optional());

// OpenTelemetry traces (issue 17): OpenTelemetry's own variable names, so a collector set up for other services
// works as it is. Tracing is off unless an OTLP endpoint is set.
const otlpUrl = optional.pipe(z.url({ protocol: /^https?$/ }).optional());
const OtelEnv = {
  OTEL_SDK_DISABLED: optional,
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: optional,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optional,
  OTEL_EXPORTER_OTLP_HEADERS: optional,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: optional,
  OTEL_SERVICE_NAME: optional,
  OTEL_RESOURCE_ATTRIBUTES: optional,
};

const EnvSchema = z.object({
  ...OtelEnv,
  NODE_ENV: optional,
  TEMPORAL_ADDRESS: optional,
  TEMPORAL_NAMESPACE: temporalName.transform((value) => value ?? 'default'),
  TEMPORAL_TASK_QUEUE: temporalName.transform((value) => value ?? 'kling-video'),
  TEMPORAL_CLI_PATH: optional,
  TEMPORAL_SERVER_PATH: optional,
  TEMPORAL_SQL_TOOL_PATH: optional,
  TEMPORAL_SCHEMA_DIR: optional,
  DATABASE_URL: optional.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  KLING_DATA_DIR: optional,
  KLING_BASE_URL: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  KLING_ACCESS_KEY: optional,
  KLING_SECRET_KEY: optional,
  KLING_API_KEY: optional,
  KLING_NEW_API_MODELS: optional,
  KLING_REQUEST_TIMEOUT_SECONDS: boundedNumber(30, 60, 'a poll attempt has one minute in all'),
  KLING_POLL_INTERVAL_SECONDS: boundedNumber(10, 3600, 'one hour'),
  KLING_JOB_BUDGET_MINUTES: boundedNumber(60, 10_080, 'one week'),
  RATE_CARD_PATH: optional,
  SHUTDOWN_GRACE_SECONDS: boundedNumber(30, 3600, 'one hour'),
  WORKFLOW_BUNDLE_PATH: optional,
  METRICS_BIND_ADDRESS: optional.pipe(
    z
      .string()
      // The SDK's exporter binds an IP literal; a host name would only fail later, inside the native runtime.
      .refine(isBindAddress, 'expected <IP>:<port>, e.g. 0.0.0.0:9464 or [::]:9464')
      .optional(),
  ),
  LOG_LEVEL: optional.pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).optional()),
  LOG_FORMAT: optional.pipe(z.enum(['json', 'text']).optional()),
  KLING_CALLBACK_BASE_URL: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  KLING_CALLBACK_LISTEN: optional.pipe(
    z
      .string()
      .regex(/^(.+):(\d{1,5})$/, 'expected host:port')
      .optional(),
  ),
  KLING_CALLBACK_SECRET: optional.pipe(z.string().min(16, 'expected at least 16 characters').optional()),
  KLING_WEBHOOK_SECRET: optional.pipe(
    z
      .string()
      .regex(/^(whsec_)?[A-Za-z0-9+/]+={0,2}$/, 'expected whsec_<base64>')
      .optional(),
  ),
  KLING_CALLBACK_POLL_INTERVAL_SECONDS: boundedNumber(60, 3600, 'one hour'),
  KLING_MAX_CONCURRENT_TASKS: optional.pipe(
    z
      .string()
      .regex(/^[1-9]\d*$/, 'expected a positive integer')
      .transform(Number)
      .pipe(z.number().max(1000, 'at most 1000 (tasks in flight per Kling account)'))
      .optional(),
  ),
  // The machine's, not ours: only searched and joined into paths.
  PATH: unchecked,
  XDG_CACHE_HOME: unchecked,
  HOME: unchecked,
});

/** How to reach (or start) a Temporal server; see src/temporal/dev-server.ts for the order of resolution. */
export interface TemporalConfig {
  /** An existing server (`host:port`); no dev server is started when set. */
  readonly address: string | undefined;
  readonly namespace: string;
  readonly taskQueue: string;
  /** An explicit Temporal CLI binary to run the dev server from. */
  readonly cliPath: string | undefined;
  /**
   * Temporal's own server, its SQL schema tool and the PostgreSQL schema folder, for the cluster suite
   * (src/temporal/server-binaries.ts); unset = built once with Go into `cacheDir`, schemas from the Go module.
   */
  readonly serverPath: string | undefined;
  readonly sqlToolPath: string | undefined;
  readonly schemaDir: string | undefined;
  /** Folders of `PATH`, searched for a `temporal` binary. */
  readonly searchPath: readonly string[];
  /** Per-user cache folder holding the Temporal CLI we build once. */
  readonly cacheDir: string;
}

/**
 * The real Kling API, or `simulator`: the bundled simulator, started in-process (development only). Either way,
 * `newApiModels` are the models both API generations serve that go to the new one (canonical names): from
 * `KLING_NEW_API_MODELS`; models only the new API serves go there anyway.
 */
export type KlingConfig = (
  | {
      readonly kind: 'api';
      readonly baseUrl: string;
      /** The legacy API signs with the key pair when it is set; the new API takes only the API key. */
      readonly credentials:
        | { readonly accessKey: string; readonly secretKey: string; readonly apiKey?: string }
        | { readonly apiKey: string };
      readonly timeoutMs: number;
    }
  | { readonly kind: 'simulator'; readonly timeoutMs: number }
) & { readonly newApiModels: readonly string[] };

export interface Config {
  readonly production: boolean;
  readonly temporal: TemporalConfig;
  /** PostgreSQL when `databaseUrl` is set, else embedded PGlite in `dataDir`. */
  readonly store: { readonly databaseUrl: string | undefined; readonly dataDir: string };
  readonly kling: KlingConfig;
  readonly wait: { readonly pollIntervalMs: number; readonly budgetMs: number };
  readonly rateCardPath: string | undefined;
  readonly shutdownGraceMs: number;
  /** A workflow bundle built ahead of time (container images); otherwise the worker bundles at start. */
  readonly workflowBundlePath: string | undefined;
  readonly log: { readonly level: LogLevel; readonly format: 'json' | 'text' };
  /** Every secret value configured, so the logger can mask them wherever they would appear. */
  readonly secrets: readonly string[];
  /** Where the Prometheus endpoint listens (`METRICS_BIND_ADDRESS`); unset = no metrics. */
  readonly metrics: { readonly bindAddress: string } | undefined;
  /** Kling callbacks (kling-api.md, "Callbacks"); off unless `KLING_CALLBACK_SECRET` and a URL or address are set. */
  readonly callbacks: CallbackConfig | undefined;
  /** Kling tasks in flight per account, across all workers (`KLING_MAX_CONCURRENT_TASKS`); unset = no queueing. */
  readonly maxConcurrentTasks: number | undefined;
  /** OpenTelemetry traces over OTLP/HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT`); unset = no tracing. */
  readonly tracing: TracingConfig | undefined;
}

export interface TracingConfig {
  /** The OTLP/HTTP traces endpoint, e.g. `http://collector:4318/v1/traces`. */
  readonly tracesUrl: string;
  /** Sent with every export (often an authorization token: a secret). */
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

export interface CallbackConfig {
  /** Public base URL Kling posts to; only when set do jobs send a `callback_url` and race its hints. */
  readonly baseUrl: string | undefined;
  /** Where this process receives callbacks; unset = they are received elsewhere (`kling-video callbacks`). */
  readonly listen: { readonly host: string; readonly port: number } | undefined;
  /** Keys the per-job URL token: every sender and receiver of one deployment shares it. */
  readonly secret: string;
  /** `whsec_…`: when set, the Standard Webhooks signature is required too. */
  readonly webhookSecret: string | undefined;
  /** Polling is only the fallback for lost callbacks, so it can be slow. */
  readonly pollIntervalMs: number;
}

/** A configuration value the user must fix; the message names the variable, never a secret value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULT_KLING_BASE_URL = 'https://api-singapore.klingai.com';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    // zod's messages describe the expected shape; the received value (maybe a secret) is not echoed.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const cacheRoot = e.XDG_CACHE_HOME ?? join(e.HOME ?? homedir(), '.cache');
  const timeoutMs = Math.round(e.KLING_REQUEST_TIMEOUT_SECONDS * 1000);

  if ((e.KLING_ACCESS_KEY === undefined) !== (e.KLING_SECRET_KEY === undefined)) {
    throw new ConfigError('KLING_ACCESS_KEY and KLING_SECRET_KEY must be set together.');
  }
  const credentials =
    e.KLING_ACCESS_KEY !== undefined && e.KLING_SECRET_KEY !== undefined
      ? {
          accessKey: e.KLING_ACCESS_KEY,
          secretKey: e.KLING_SECRET_KEY,
          ...(e.KLING_API_KEY === undefined ? {} : { apiKey: e.KLING_API_KEY }),
        }
      : e.KLING_API_KEY !== undefined
        ? { apiKey: e.KLING_API_KEY }
        : undefined;
  const newApiModels = newApiModelsOf(e.KLING_NEW_API_MODELS);
  if (production && credentials === undefined) {
    throw new ConfigError(
      'NODE_ENV=production needs real Kling credentials: KLING_ACCESS_KEY + KLING_SECRET_KEY, or KLING_API_KEY.',
    );
  }
  if (production && e.DATABASE_URL === undefined) {
    throw new ConfigError(
      'NODE_ENV=production needs DATABASE_URL (PostgreSQL); the embedded database is for development.',
    );
  }

  const callbacks = callbackConfig(e);
  const tracing = tracingConfig(e);

  return {
    production,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      serverPath: e.TEMPORAL_SERVER_PATH,
      sqlToolPath: e.TEMPORAL_SQL_TOOL_PATH,
      schemaDir: e.TEMPORAL_SCHEMA_DIR,
      searchPath: (e.PATH ?? '').split(':').filter((dir) => dir !== ''),
      cacheDir: join(cacheRoot, 'kling-video-worker'),
    },
    store: { databaseUrl: e.DATABASE_URL, dataDir: resolve(e.KLING_DATA_DIR ?? '.data') },
    kling:
      credentials === undefined
        ? { kind: 'simulator', timeoutMs, newApiModels }
        : {
            kind: 'api',
            baseUrl: e.KLING_BASE_URL ?? DEFAULT_KLING_BASE_URL,
            credentials,
            timeoutMs,
            newApiModels,
          },
    wait: {
      pollIntervalMs: Math.round(e.KLING_POLL_INTERVAL_SECONDS * 1000),
      budgetMs: Math.round(e.KLING_JOB_BUDGET_MINUTES * 60_000),
    },
    rateCardPath: e.RATE_CARD_PATH,
    shutdownGraceMs: Math.round(e.SHUTDOWN_GRACE_SECONDS * 1000),
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    log: { level: e.LOG_LEVEL ?? 'INFO', format: e.LOG_FORMAT ?? (production ? 'json' : 'text') },
    metrics: e.METRICS_BIND_ADDRESS === undefined ? undefined : { bindAddress: e.METRICS_BIND_ADDRESS },
    secrets: [
      e.KLING_ACCESS_KEY,
      e.KLING_SECRET_KEY,
      e.KLING_API_KEY,
      databasePassword(e.DATABASE_URL),
      e.KLING_CALLBACK_SECRET,
      e.KLING_WEBHOOK_SECRET,
      ...tracingSecrets(tracing),
    ].filter((value): value is string => value !== undefined && value !== ''),
    callbacks,
    maxConcurrentTasks: e.KLING_MAX_CONCURRENT_TASKS,
    tracing,
  };
}

/** OpenTelemetry's variables for traces: the traces-specific one wins over the general one, as the spec says. */
function tracingConfig(e: z.infer<typeof EnvSchema>): TracingConfig | undefined {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (tracesUrl === undefined || e.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return undefined;
  const protocolVariable =
    e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL === undefined
      ? 'OTEL_EXPORTER_OTLP_PROTOCOL'
      : 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL';
  const protocol = e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocol !== 'http/protobuf') {
    throw new ConfigError(
      `${protocolVariable}: only http/protobuf is supported (a collector's OTLP/HTTP port, usually 4318); got ${JSON.stringify(protocol)}`,
    );
  }
  return {
    tracesUrl,
    headers: {
      ...keyValues('OTEL_EXPORTER_OTLP_HEADERS', e.OTEL_EXPORTER_OTLP_HEADERS),
      ...keyValues('OTEL_EXPORTER_OTLP_TRACES_HEADERS', e.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    },
    serviceName: e.OTEL_SERVICE_NAME ?? 'kling-video-worker',
    resourceAttributes: keyValues('OTEL_RESOURCE_ATTRIBUTES', e.OTEL_RESOURCE_ATTRIBUTES),
  };
}

/** Export headers usually carry a collector token; a URL may carry a password. */
function tracingSecrets(tracing: TracingConfig | undefined): string[] {
  if (tracing === undefined) return [];
  const password = decodeURIComponent(new URL(tracing.tracesUrl).password);
  return [...Object.values(tracing.headers), password];
}

/** OpenTelemetry's `key1=value1,key2=value2` lists, values percent-encoded; the message never echoes a value. */
function keyValues(variable: string, text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  const entries = text.split(',').map((pair, index) => {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim();
    let value: string | undefined;
    try {
      value = at < 0 ? undefined : decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      value = undefined;
    }
    if (value === undefined || !/^[\w.-]+$/.test(key)) {
      throw new ConfigError(
        `${variable}: entry ${index + 1} is not key=value (keys: letters, digits, _ . -)`,
      );
    }
    return [key, value] as const;
  });
  return Object.fromEntries(entries);
}

function callbackConfig(e: z.infer<typeof EnvSchema>): CallbackConfig | undefined {
  const { KLING_CALLBACK_BASE_URL: baseUrl, KLING_CALLBACK_LISTEN: listen } = e;
  if (baseUrl === undefined && listen === undefined) {
    if (e.KLING_CALLBACK_SECRET !== undefined || e.KLING_WEBHOOK_SECRET !== undefined) {
      throw new ConfigError(
        'KLING_CALLBACK_SECRET / KLING_WEBHOOK_SECRET are set but callbacks are off: set KLING_CALLBACK_BASE_URL and/or KLING_CALLBACK_LISTEN.',
      );
    }
    return undefined;
  }
  if (e.KLING_CALLBACK_SECRET === undefined) {
    throw new ConfigError(
      'Kling callbacks need KLING_CALLBACK_SECRET: it keys the token that makes each callback URL unguessable.',
    );
  }
  const address = listen === undefined ? undefined : /^(.+):(\d+)$/.exec(listen);
  const port = address?.[2] === undefined ? undefined : Number(address[2]);
  if (port !== undefined && port > 65_535) throw new ConfigError('KLING_CALLBACK_LISTEN: port over 65535');
  return {
    baseUrl,
    // `[::1]:8080` → `::1`: the brackets belong to URLs, not to listen().
    listen:
      address?.[1] === undefined || port === undefined
        ? undefined
        : { host: address[1].replace(/^\[(.*)\]$/, '$1'), port },
    secret: e.KLING_CALLBACK_SECRET,
    webhookSecret: e.KLING_WEBHOOK_SECRET,
    pollIntervalMs: Math.round(e.KLING_CALLBACK_POLL_INTERVAL_SECONDS * 1000),
  };
}

/**
 * `KLING_NEW_API_MODELS=kling-v3,kling-video-o1`: models both API generations serve that go to the new one, named
 * either way (`kling-3.0` is `kling-v3`); returned by their canonical names. Anything else names the variable.
 */
function newApiModelsOf(value: string | undefined): string[] {
  if (value === undefined) return [];
  const movable = modelsServedByBothApis();
  const models = new Set<string>();
  for (const name of value.split(',').map((entry) => entry.trim())) {
    if (name === '') continue;
    const model = canonicalModel(name);
    if (rulesOf(model).newApi?.only === true) continue; // already on the new API: harmless to name
    if (!movable.includes(model)) {
      throw new ConfigError(
        `KLING_NEW_API_MODELS: ${name.length > 64 ? `${name.slice(0, 64)}…` : name} is not a model both Kling APIs serve; allowed: ${movable.join(', ')} (or their new-API names)`,
      );
    }
    models.add(model);
  }
  return [...models];
}

/** `1.2.3.4:9464` or `[::]:9464`: what Rust's `SocketAddr` accepts. */
function isBindAddress(value: string): boolean {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (match?.[3] === undefined) return false;
  const port = Number(match[3]);
  const ipVersion = match[1] === undefined ? 4 : 6;
  return isIP(match[1] ?? match[2] ?? '') === ipVersion && port > 0 && port <= 65_535;
}

function databasePassword(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const password = new URL(url).password;
  return password === '' ? undefined : decodeURIComponent(password);
}
