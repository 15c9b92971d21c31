import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';

const srcDir = join(import.meta.dirname, '../../src');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return nested.flat().filter((file) => /\.[cm]?[jt]s$/.test(file));
}

test('src/domain/money.ts is the only module that imports big.js', async () => {
  const files = await sourceFiles(srcDir);
  const importers: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    // static imports, re-exports, dynamic imports and require calls
    if (/(?:from\s*|import\s*\(?\s*|require\s*\(\s*)['"]big\.js(?:\/[^'"]*)?['"]/.test(text)) {
      importers.push(relative(srcDir, file));
    }
  }
  expect(files.length).toBeGreaterThan(5);
  expect(importers).toEqual(['domain/money.ts']);
});
