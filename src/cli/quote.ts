import { parseArgs } from 'node:util';
import { quoteRequest } from '../domain/pricing.js';
import {
  defaultRateCard,
  InvalidRateCardError,
  snapshotRateCard,
  type RateCard,
} from '../domain/rate-card.js';
import { loadRateCardFile } from '../rate-card-file.js';
import { loadCliConfig } from './cli-config.js';
import { EXIT_OK, EXIT_USAGE, UsageError, type Command } from './command.js';
import { readCheckedPayload } from './payload.js';

const help = `Usage: kling-video quote <payload.json | -> [--rate-card <file>]

Prices a portal payload without submitting anything: prints the bill-line preview (billing.md §7 without
jobId, klingTaskId and createdAt) as one JSON object. "-" reads the payload from stdin. A model may be named
either way (kling-v3 or kling-3.0, …): the same price; "model" is the table's name, "requestedModel" the other
one when it was used. KLING_NEW_API_MODELS is read as the worker reads it: the new API's rules apply to the
models it moves there.

Options:
  --rate-card <file>  price with this rate card file (default: the built-in portal card)

Exit codes: 0 quoted; 2 invalid payload, rate card or arguments (errors on stderr, nothing on stdout).`;

export const quoteCommand: Command = {
  help,
  async run(argv) {
    const { payloadSource, rateCardPath } = parseQuoteArgs(argv);
    // Which models go to Kling's new API changes what is accepted (its pages' rules), never the price.
    const { newApiModels } = loadCliConfig().kling;
    // Both inputs are checked before anything is printed, so one run reports every problem.
    const problems: string[] = [];
    const card = await rateCardFrom(rateCardPath).catch((error: unknown) => {
      if (!(error instanceof InvalidRateCardError)) throw error;
      problems.push(error.message);
      return undefined;
    });
    const envelope = await readCheckedPayload(payloadSource, { newApiModels: new Set(newApiModels) }).then(
      (checked) => checked.envelope,
      (error: unknown) => {
        if (!(error instanceof UsageError)) throw error;
        problems.push(error.message);
        return undefined;
      },
    );
    if (card === undefined || envelope === undefined) {
      process.stderr.write(`kling-video quote: ${problems.join('\n')}\n`);
      return EXIT_USAGE;
    }
    const quote = quoteRequest(envelope, snapshotRateCard(card));
    process.stdout.write(`${JSON.stringify(quote, null, 2)}\n`);
    return EXIT_OK;
  },
};

function parseQuoteArgs(argv: readonly string[]): {
  payloadSource: string;
  rateCardPath: string | undefined;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { 'rate-card': { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [payloadSource, ...extra] = parsed.positionals;
  if (payloadSource === undefined || extra.length > 0) {
    throw new UsageError('expected exactly one payload: a JSON file, or - for stdin');
  }
  return { payloadSource, rateCardPath: parsed.values['rate-card'] };
}

async function rateCardFrom(path: string | undefined): Promise<RateCard> {
  if (path === undefined) return defaultRateCard;
  try {
    return await loadRateCardFile(path);
  } catch (error) {
    if (error instanceof InvalidRateCardError) throw error;
    throw new UsageError(`cannot read rate card ${path}: ${(error as Error).message}`);
  }
}
