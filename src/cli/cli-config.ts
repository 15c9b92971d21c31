import { ConfigError, loadConfig, type Config } from '../config.js';
import { UsageError } from './command.js';

/** The configuration, with a bad value reported as the one-line usage error (exit 2) it is. */
export function loadCliConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}
