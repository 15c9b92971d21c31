import { readFile } from 'node:fs/promises';
import { InvalidRateCardError, parseRateCard, type RateCard } from './domain/rate-card.js';

/**
 * Reads and validates an operator's rate card file (billing.md §6). A card that is not JSON, or not a valid
 * card, is an `InvalidRateCardError` naming the file and the bad field; a missing file is Node's own error.
 */
export async function loadRateCardFile(path: string): Promise<RateCard> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
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
