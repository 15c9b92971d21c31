// Makes sure a Temporal CLI is available (TEMPORAL_CLI_PATH, PATH, the cache, or a one-time Go build), so the
// first test run does not spend its time building. Used by .ci/run; harmless to run again.
import { loadConfig } from '../src/config.js';
import { resolveCli } from '../src/temporal/dev-server.js';

const config = loadConfig().temporal;
if (config.address !== undefined) {
  console.log(`TEMPORAL_ADDRESS=${config.address}: using that server, no CLI needed.`);
} else {
  const started = Date.now();
  const cli = await resolveCli(config, (line) => console.log(line));
  if (cli === undefined) {
    console.error('No Temporal CLI and no Go to build one; set TEMPORAL_ADDRESS or TEMPORAL_CLI_PATH.');
    process.exitCode = 2;
  } else {
    console.log(`Temporal CLI (${cli.source}): ${cli.path} [${Date.now() - started} ms]`);
  }
}
