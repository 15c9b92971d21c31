// Makes sure Temporal's own server and its SQL schema tool are available for `npm run test:cluster`
// (TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH, the cache, or a one-time Go build). Used by .ci/run; harmless
// to run again: a second run finds the cached binaries.
import { loadConfig } from '../src/config.js';
import { resolveServerBinaries } from '../src/temporal/server-binaries.js';

const started = Date.now();
try {
  const found = await resolveServerBinaries(loadConfig().temporal, (line) => console.log(line));
  console.log(`Temporal server (${found.source.server}): ${found.server}`);
  console.log(`Temporal SQL tool (${found.source.sqlTool}): ${found.sqlTool}`);
  console.log(`PostgreSQL schemas: ${found.schemaDir} [${Date.now() - started} ms]`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
