// Issue 13, row 9: configuration failures found at start — the database cannot be opened, the callback port is
// taken — end the worker with exit 2 and one line naming the variable: no stack trace, no password.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closedPort } from '../cli/run-cli.js';
import { startRefusingPostgres } from '../support/refusing-postgres.js';
import { spawnWorker } from '../support/worker-process.js';

const password = 'hunter2-not-for-logs';

async function runToExit(
  entry: 'cli' | 'main',
  env: Record<string, string>,
): Promise<{ code: number | null; lines: string[] }> {
  const worker = spawnWorker(entry, {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: 'startup-errors',
    ...env,
  });
  const timer = setTimeout(() => void worker.killTree(), 90_000);
  const code = await worker.exited;
  clearTimeout(timer);
  return { code, lines: worker.output().trimEnd().split('\n') };
}

function expectOneLineExit2(result: { code: number | null; lines: string[] }, ...parts: string[]): void {
  expect(result.code).toBe(2);
  const last = result.lines.at(-1) ?? '';
  expect(last).toMatch(/^kling-video worker: /);
  for (const part of parts) expect(last).toContain(part);
  const all = result.lines.join('\n');
  expect(all).not.toMatch(/\n\s+at /);
  expect(all).not.toContain(password);
}

describe('a worker whose database cannot be opened', () => {
  let refusing: Awaited<ReturnType<typeof startRefusingPostgres>>;
  let nothing: number;
  beforeAll(async () => {
    refusing = await startRefusingPostgres();
    nothing = await closedPort();
  });
  afterAll(async () => refusing?.close());

  it.each(['cli', 'main'] as const)('unreachable DATABASE_URL: %s exits 2 with one line', async (entry) => {
    const result = await runToExit(entry, {
      DATABASE_URL: `postgres://kling:${password}@127.0.0.1:${nothing}/kling`,
    });
    expectOneLineExit2(result, 'DATABASE_URL: cannot open the database', 'ECONNREFUSED');
    expect(result.lines).toHaveLength(1);
  });

  it('wrong password: exits 2 with one line, the password nowhere', async () => {
    const result = await runToExit('cli', {
      DATABASE_URL: `postgres://kling:${password}@127.0.0.1:${refusing.port}/kling`,
    });
    expectOneLineExit2(result, 'DATABASE_URL: cannot open the database', 'password authentication failed');
    expect(result.lines).toHaveLength(1);
  });
});

describe('a worker whose rate card is poisonous', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'startup-card-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('a NUL in version: exits 2 naming RATE_CARD_PATH and the field, before any job can stick', async () => {
    const card = join(dir, 'card.json');
    await writeFile(card, '{"version":"ops\\u00001"}');
    const result = await runToExit('main', { RATE_CARD_PATH: card, KLING_DATA_DIR: dir });
    expect(result.code).toBe(2);
    expect(result.lines[0]).toBe(`kling-video worker: RATE_CARD_PATH: invalid rate card ${card}:`);
    expect(result.lines[1]).toContain('version: control character U+0000');
    expect(result.lines.join('\n')).not.toMatch(/\n\s+at /);
  });
});

describe('a worker whose callback port is taken', () => {
  let taken: Server;
  let dataDir: string;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    dataDir = await mkdtemp(join(tmpdir(), 'startup-errors-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('exits 2 with one line naming KLING_CALLBACK_LISTEN', async () => {
    const { port } = taken.address() as AddressInfo;
    const result = await runToExit('cli', {
      KLING_DATA_DIR: dataDir,
      KLING_CALLBACK_LISTEN: `127.0.0.1:${port}`,
      KLING_CALLBACK_SECRET: 'a-callback-secret-of-32-characters',
    });
    expectOneLineExit2(
      result,
      `KLING_CALLBACK_LISTEN: cannot listen on 127.0.0.1:${port}: the port is taken`,
    );
  });
});
