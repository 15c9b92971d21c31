// One Temporal dev server for the whole integration run (temporal-notes.md, "vitest"). If none can be had,
// the run fails here with the message that says how to provide one — integration tests are never skipped.
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.js';
import { obtainTemporalServer } from '../../src/temporal/dev-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const server = await obtainTemporalServer(loadConfig().temporal, {
    log: (line) => process.stderr.write(`[temporal] ${line}\n`),
  });
  process.stderr.write(
    `[temporal] ${server.source} server at ${server.address} ready in ${Date.now() - started} ms\n`,
  );
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
  return () => server.stop();
}
