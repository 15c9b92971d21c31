import { readFile } from 'node:fs/promises';
import {
  InvalidRequestError,
  normalizeRequest,
  type RequestContext,
  type RequestEnvelope,
} from '../domain/envelope.js';
import { MAX_PAYLOAD_DEPTH } from '../domain/input-limits.js';
import { JsonTextError, parseStrictJson } from '../domain/strict-json.js';
import { UsageError } from './command.js';

export interface CheckedPayload {
  /** The payload as given: what the job is started with. */
  readonly payload: unknown;
  readonly envelope: RequestEnvelope;
}

/**
 * Reads a payload from a file or stdin (`-`) and validates it the way the worker will, so a bad payload is
 * reported field by field before anything is started. A key given twice is an error naming it: a portal whose
 * parser keeps the first one would price another request.
 */
export async function readCheckedPayload(
  source: string,
  /** What the worker's configuration decides for a job: which models go to Kling's new API. */
  context: Pick<RequestContext, 'newApiModels'> = {},
): Promise<CheckedPayload> {
  const name = source === '-' ? 'stdin' : source;
  let text: string;
  try {
    text = source === '-' ? await readStdin() : await readFile(source, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read payload ${source}: ${(error as Error).message}`);
  }
  let payload: unknown;
  try {
    payload = parseStrictJson(text, { maxDepth: MAX_PAYLOAD_DEPTH });
  } catch (error) {
    if (error instanceof JsonTextError) throw new UsageError(`${name}: invalid request:\n${error.message}`);
    throw new UsageError(`payload ${name} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return { payload, envelope: normalizeRequest(payload, context) };
  } catch (error) {
    if (error instanceof InvalidRequestError) throw new UsageError(`${name}: ${error.message}`);
    throw error;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
