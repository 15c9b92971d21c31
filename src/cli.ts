// The `kling-video` command: a dispatcher over the subcommands in src/cli/. Each subcommand is loaded
// lazily so `kling-video quote` does not pay for loading the Temporal SDK.
import { EXIT_USAGE, UsageError, type Command } from './cli/command.js';

interface Entry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

const commands: Record<string, Entry> = {
  // Subcommands register here, one entry each, in alphabetical order:
  // name: { summary: '…', load: async () => (await import('./cli/name.js')).nameCommand },
  bills: {
    summary: 'Export the bill lines of a period with totals per day and model (table, CSV, JSON)',
    load: async () => (await import('./cli/bills.js')).billsCommand,
  },
  callbacks: {
    summary: 'Run the Kling callback receiver on its own',
    load: async () => (await import('./cli/callbacks.js')).callbacksCommand,
  },
  demo: {
    summary: 'Run every example end to end on an embedded system and print the bills',
    load: async () => (await import('./cli/demo.js')).demoCommand,
  },
  generate: {
    summary: 'Start a video job from a payload; --wait follows it to its bill',
    load: async () => (await import('./cli/generate.js')).generateCommand,
  },
  quote: { summary: 'Price a payload', load: async () => (await import('./cli/quote.js')).quoteCommand },
  simulator: {
    summary: 'Run the local Kling API simulator',
    load: async () => (await import('./cli/simulator.js')).simulatorCommand,
  },
  status: {
    summary: "Show a job's phase, Kling task, videos and bill",
    load: async () => (await import('./cli/status.js')).statusCommand,
  },
  worker: {
    summary: 'Run the worker (npm start)',
    load: async () => (await import('./cli/worker.js')).workerCommand,
  },
};

function usage(): string {
  const names = Object.keys(commands).sort();
  return [
    'Usage: kling-video <command> [options]',
    '',
    'Commands:',
    ...names.map((name) => `  ${name.padEnd(12)}${commands[name]?.summary ?? ''}`),
    '',
    'Run `kling-video <command> --help` for the options of one command.',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    process.stderr.write(`kling-video: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`kling-video ${name}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
