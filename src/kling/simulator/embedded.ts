// The simulator a worker without Kling credentials uses (`npm start`), shared through the data folder.
//
// Kling is one service for every worker of an account; the embedded simulator must be too, or a job submitted by
// one worker and polled by another gets 1203 "task not found". So the first worker of a data folder owns the
// simulator: it holds `<data>/simulator/owner.lock` (its pid), keeps the tasks in `<data>/simulator/tasks.jsonl`
// (task-journal.ts) and writes its address to `<data>/simulator/address.json`. A second worker of that folder finds
// a live owner and talks to the owner's simulator instead of starting its own. A new owner (after a crash the
// lock's pid is dead) listens on the recorded port when it is free, so the other workers — and the video URLs
// already handed out — find it again; meanwhile their Kling calls fail as "unavailable" and are retried, and no job
// fails.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SIMULATOR_CREDENTIALS, startSimulator, type Simulator } from './simulator.js';
import type { SimulatorCredentials } from './verify-auth.js';

export interface EmbeddedSimulator {
  readonly url: string;
  readonly credentials: SimulatorCredentials;
  /** True when this process runs it; false when it uses another worker's. */
  readonly owned: boolean;
  close(): Promise<void>;
}

/** How long a worker waits for another one that holds the lock to start listening. */
const OWNER_START_WAIT_MS = 15_000;

export async function obtainEmbeddedSimulator(options: {
  /** The worker's data folder (KLING_DATA_DIR). */
  readonly dataDir: string;
  readonly webhookSecret?: string;
}): Promise<EmbeddedSimulator> {
  const dir = join(options.dataDir, 'simulator');
  await mkdir(dir, { recursive: true });
  const lockFile = join(dir, 'owner.lock');
  const addressFile = join(dir, 'address.json');
  const deadline = Date.now() + OWNER_START_WAIT_MS;
  for (;;) {
    if (takeLock(lockFile)) {
      try {
        const simulator = await listen(dir, readAddress(addressFile)?.port, options.webhookSecret);
        const port = Number(new URL(simulator.url).port);
        writeFileSync(addressFile, JSON.stringify({ pid: process.pid, url: simulator.url, port }));
        return {
          url: simulator.url,
          credentials: simulator.credentials,
          owned: true,
          async close() {
            await simulator.close();
            releaseLock(lockFile);
          },
        };
      } catch (error) {
        releaseLock(lockFile);
        throw error;
      }
    }
    // Another live worker holds the lock: use its simulator once it listens.
    const address = readAddress(addressFile);
    if (address !== undefined && address.pid === lockHolder(lockFile) && (await answers(address.url))) {
      return {
        url: address.url,
        credentials: DEFAULT_SIMULATOR_CREDENTIALS,
        owned: false,
        close: () => Promise.resolve(),
      };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the embedded Kling simulator of ${options.dataDir} is held by process ${lockHolder(lockFile)}, which does not answer; stop it, or delete ${lockFile}`,
      );
    }
    await sleep(200);
  }
}

/** The recorded port keeps URLs stable across restarts; when something else took it, any free port. */
async function listen(
  dir: string,
  port: number | undefined,
  webhookSecret: string | undefined,
): Promise<Simulator> {
  const options = { dataDir: dir, ...(webhookSecret === undefined ? {} : { webhookSecret }) };
  if (port !== undefined) {
    try {
      return await startSimulator({ ...options, port });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  return startSimulator(options);
}

/** Creates the lock with this pid, or replaces one whose process is gone; false while a live process holds it. */
function takeLock(lockFile: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(lockFile);
    if (holder !== undefined && isAlive(holder)) return false;
    try {
      unlinkSync(lockFile);
    } catch (error) {
      // Another worker removed the stale lock first; the next attempt races it fairly.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return false;
}

function releaseLock(lockFile: string): void {
  try {
    unlinkSync(lockFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function lockHolder(lockFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readAddress(addressFile: string): { pid: number; url: string; port: number } | undefined {
  try {
    const value = JSON.parse(readFileSync(addressFile, 'utf8')) as Record<string, unknown>;
    const { pid, url, port } = value;
    return typeof pid === 'number' && typeof url === 'string' && typeof port === 'number'
      ? { pid, url, port }
      : undefined;
  } catch {
    return undefined;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/__simulator/faults`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
