import { describe, expect, test } from 'vitest';
import { createProgressLine, formatElapsed } from '../../src/cli/progress-line.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, target: { isTTY, write: (chunk: string) => writes.push(chunk) > 0 } };
}

describe('the progress line', () => {
  test('on a terminal: every update rewrites the one line, and end() closes it', () => {
    const { writes, target } = stream(true);
    const line = createProgressLine(target as unknown as NodeJS.WritableStream);
    line.update('job: waiting', '1.0 s');
    line.update('job: waiting', '1.5 s');
    line.end();
    expect(writes.join('')).toBe('\r\x1b[Kjob: waiting  1.0 s\r\x1b[Kjob: waiting  1.5 s\n');
  });

  test('off a terminal: one line per change of state, none per tick', () => {
    const { writes, target } = stream(false);
    const line = createProgressLine(target as unknown as NodeJS.WritableStream);
    line.update('job: accepting', '0.2 s');
    line.update('job: waiting', '0.7 s');
    line.update('job: waiting', '1.2 s');
    line.update('job: billing', '3.4 s');
    line.end();
    expect(writes).toEqual(['job: accepting  0.2 s\n', 'job: waiting  0.7 s\n', 'job: billing  3.4 s\n']);
  });

  test.each([
    [0, '0.0 s'],
    [4_249, '4.2 s'],
    [59_949, '59.9 s'],
    [60_000, '1 min 00 s'],
    [125_900, '2 min 05 s'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});
