// Acceptance 1: `npm run demo` (what `kling-video demo` is) runs every example to its bill and leaves nothing
// behind: no dev server process, no listening port, no temporary database.
import { execFile } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { isListening } from '../../src/cli/local-temporal.js';
import { normalizeRequest } from '../../src/domain/envelope.js';
import { quoteRequest } from '../../src/domain/pricing.js';
import { defaultRateCard, snapshotRateCard } from '../../src/domain/rate-card.js';
import { repoRoot, runCli } from '../cli/run-cli.js';

async function expectedCosts(): Promise<Map<string, { costUsd: string; amountCents: number }>> {
  const dir = join(repoRoot, 'examples');
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json'));
  const card = snapshotRateCard(defaultRateCard);
  const costs = new Map<string, { costUsd: string; amountCents: number }>();
  for (const file of files) {
    const envelope = normalizeRequest(JSON.parse(await readFile(join(dir, file), 'utf8')));
    const { costUsd, amountCents } = quoteRequest(envelope, card);
    costs.set(file.replace(/\.json$/, ''), { costUsd, amountCents });
  }
  return costs;
}

test('the demo bills every example, seed examples at 0.60 and 2.16, exits 0 and leaves nothing running', async () => {
  const costs = await expectedCosts();
  const result = await runCli(['demo']);
  expect(result.code, result.stderr).toBe(0);

  const rows = result.stdout.split('\n');
  for (const [name, { costUsd: cost }] of costs) {
    const row = rows.find((line) => line.startsWith(`${name} `));
    expect(row, name).toMatch(
      new RegExp(`\\ssucceeded\\s+http://\\S+\\.mp4\\s+${cost.replace('.', '\\.')}$`),
    );
  }
  expect(costs.get('kling-v2-6-text-audio')?.costUsd).toBe('0.60');
  expect(costs.get('kling-video-o1-image-video')?.costUsd).toBe('2.16');
  const cents = [...costs.values()].reduce((sum, cost) => sum + cost.amountCents, 0);
  const total = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  expect(result.stdout).toMatch(
    new RegExp(`^total: ${costs.size} of ${costs.size} jobs billed\\s+${total.replace('.', '\\.')}$`, 'm'),
  );

  const [, temporalPort, uiPort] =
    /dev server 127\.0\.0\.1:(\d+), web UI http:\/\/127\.0\.0\.1:(\d+)/.exec(result.stdout) ?? [];
  const [, simulatorPort] = /simulator http:\/\/127\.0\.0\.1:(\d+)/.exec(result.stdout) ?? [];
  const [, dataDir] = /PGlite in (\S+)/.exec(result.stdout) ?? [];
  for (const port of [temporalPort, uiPort, simulatorPort]) {
    expect(port).toMatch(/^\d+$/);
    expect(await isListening('127.0.0.1', Number(port))).toBe(false);
  }
  const { stdout: processes } = await promisify(execFile)('ps', ['-eo', 'args']);
  expect(processes).not.toContain(`--port ${temporalPort} `);
  await expect(access(dataDir ?? '')).rejects.toThrow(/ENOENT/);
});
