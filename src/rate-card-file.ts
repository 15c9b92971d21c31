import { readFile } from 'node:fs/promises';
import { InvalidRateCardError, parseRateCard, type RateCard } from './domain/rate-card.js';
import { JsonTextError, parseStrictJson } from './domain/strict-json.js';

/** A card is an object of tables of factors; anything deeper is refused before it is walked. */
const MAX_CARD_DEPTH = 4;

/**
 * Reads and validates an operator's rate card file (billing.md §6). A card that is not JSON (a key given twice
 * included), or not a valid card, is an `InvalidRateCardError` naming the file and the bad field; a missing file
 * is Node's own error.
 */
export async function loadRateCardFile(path: string): Promise<RateCard> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = parseStrictJson(text, { maxDepth: MAX_CARD_DEPTH });
  } catch (error) {
    // `"pro": "0.12", "pro": "0"`: the last key would win silently, and another reader would price otherwise.
    if (error instanceof JsonTextError) throw new InvalidRateCardError(error.issues, path);
    throw new InvalidRateCardError(
      [{ path: '', message: `not valid JSON (${(error as Error).message})` }],
      path,
    );
  }
  try {
    return parseRateCard(json);
  } catch (error) {
    if (error instanceof InvalidRateCardError) throw new InvalidRateCardError(error.issues, path);
    throw error;
  }
}
