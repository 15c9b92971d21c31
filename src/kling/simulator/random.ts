/** A seeded generator (mulberry32): the same seed and the same order of requests give the same ids and outcomes. */
export interface SimulatorRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** A string of `length` decimal digits, not starting with 0 (Kling task ids look like `866889456698785798`). */
  digits(length: number): string;
  /** A string of `length` lowercase hex digits. */
  hex(length: number): string;
}

export function createRandom(seed: number): SimulatorRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (alphabet: string): string => alphabet[Math.floor(next() * alphabet.length)] ?? alphabet[0]!;
  return {
    next,
    digits: (length) =>
      pick('123456789') + Array.from({ length: length - 1 }, () => pick('0123456789')).join(''),
    hex: (length) => Array.from({ length }, () => pick('0123456789abcdef')).join(''),
  };
}
