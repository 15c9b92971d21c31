// `npm run bench -- [options]`: runs every configuration one after another, prints and records the tables.
// See bench/README.md for the method.
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/config.js';
import { commandLine, gitCommit, machineInfo } from './machine.js';
import { BenchUsageError, configurations, parseOptions, usage } from './options.js';
import { isMeasured, renderSection } from './report.js';
import type { ConfigurationResult, FailedConfiguration, RunResult } from './result.js';
import { runConfiguration } from './run-configuration.js';

const resultsMd = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    log(`${error.message}\n\n${usage}`);
    return 2;
  }
  if (options === undefined) {
    console.log(usage);
    return 0;
  }

  const date = new Date().toISOString();
  // Read before the run: files edited while it runs are not what was measured.
  const commit = await gitCommit();
  const scratch = await mkdtemp(join(tmpdir(), 'kling-bench-'));
  const bundles = new Map<string, Promise<string>>();
  const bundlePath = (workflowsPath: string): Promise<string> => {
    let built = bundles.get(workflowsPath);
    if (built === undefined) {
      built = bundleWorkflowCode({ workflowsPath, logger: quietBundler }).then(async ({ code }) => {
        const path = join(scratch, `bundle-${bundles.size}.js`);
        await writeFile(path, code);
        return path;
      });
      bundles.set(workflowsPath, built);
    }
    return built;
  };

  const results: (ConfigurationResult | FailedConfiguration)[] = [];
  try {
    for (const configuration of configurations(options)) {
      const { design, jobs, generationSeconds, concurrency, timeScale, pollIntervalMs } = configuration;
      log(
        `▶ ${design}: N=${jobs}, T=${generationSeconds} s simulated (scale ${timeScale}), ` +
          `interval ${pollIntervalMs / 1000} s wall, concurrency ${concurrency}`,
      );
      try {
        const result = await runConfiguration(configuration, { scratch, bundlePath, log });
        log(
          `  done in ${result.wallSeconds.toFixed(1)} s: ${result.completed}/${jobs} completed, ` +
            `${result.throughput.toFixed(2)} jobs/s, ${result.historyEvents.mean.toFixed(1)} events/job`,
        );
        results.push(result);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`  failed: ${message}`);
        results.push({ configuration, error: message });
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const run: RunResult = {
    date,
    machine: machineInfo(),
    commit,
    command: commandLine(argv),
    store: loadConfig().store.databaseUrl === undefined ? 'PGlite' : 'PostgreSQL',
    results,
  };
  // A trial run (--no-record) leaves nothing in the checkout unless asked to.
  const out =
    options.out ??
    join(options.record ? resultsDir : tmpdir(), `${date.replaceAll(':', '-').replace(/\..*$/, '')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(run, null, 2)}\n`);
  const section = renderSection(run);
  console.log(section);
  if (options.record) await appendFile(resultsMd, `\n${section}`);
  log(`results: ${out}${options.record ? `; table appended to ${resultsMd}` : ''}`);
  return results.every(isMeasured) ? 0 : 1;
}

const quietBundler = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => log(`[bundler] ${message}`),
  error: (message: string) => log(`[bundler] ${message}`),
  log: () => undefined,
};

// The SDK's runtime would otherwise take SIGINT/SIGTERM as "shut the workers down" and the run would go on to record
// a half-finished configuration as a failure. An interrupted run records nothing; its children get the signal too.
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: interrupted, nothing recorded`);
    process.exit(130);
  });
}
process.exitCode = await main(process.argv.slice(2));
