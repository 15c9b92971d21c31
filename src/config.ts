// Configuration from the environment: read once, validated once, typed. Nothing else reads process.env.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const optionalString = z
  .string()
  .transform((value) => value.trim())
  .pipe(z.string())
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const EnvSchema = z.object({
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI_PATH: optionalString,
  PATH: z.string().default(''),
  XDG_CACHE_HOME: optionalString,
  HOME: optionalString,
});

/** How to reach (or start) a Temporal server; see src/temporal/dev-server.ts for the order of resolution. */
export interface TemporalConfig {
  /** An existing server (`host:port`); no dev server is started when set. */
  readonly address: string | undefined;
  readonly namespace: string;
  /** An explicit Temporal CLI binary to run the dev server from. */
  readonly cliPath: string | undefined;
  /** Folders of `PATH`, searched for a `temporal` binary. */
  readonly searchPath: readonly string[];
  /** Per-user cache folder holding the Temporal CLI we build once. */
  readonly cacheDir: string;
}

export interface Config {
  readonly temporal: TemporalConfig;
}

/** A configuration value the user must fix; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const cacheRoot = e.XDG_CACHE_HOME ?? join(e.HOME ?? homedir(), '.cache');
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      cliPath: e.TEMPORAL_CLI_PATH,
      searchPath: e.PATH.split(':').filter((dir) => dir !== ''),
      cacheDir: join(cacheRoot, 'kling-video-worker'),
    },
  };
}
