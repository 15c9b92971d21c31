// Issue 13, row 7 in small: a simulator started again on the same folder knows every task the last one created,
// finishes them on their own timetable, and the workers of one data folder share one embedded simulator.
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createKlingClient, type KlingClient } from '../../src/kling/client.js';
import { obtainEmbeddedSimulator } from '../../src/kling/simulator/embedded.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { bodies, waitForEnd } from './support.js';

let dir: string;
const closers: (() => Promise<void>)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-journal-'));
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await rm(dir, { recursive: true, force: true });
});

async function simulatorOn(options: Parameters<typeof startSimulator>[0]): Promise<Simulator> {
  const simulator = await startSimulator({ jitter: 0, seed: 3, ...options });
  closers.push(() => simulator.close());
  return simulator;
}

function clientOf(url: string, simulator: Pick<Simulator, 'credentials'>): KlingClient {
  const { accessKey, secretKey } = simulator.credentials;
  return createKlingClient({ baseUrl: url, auth: { accessKey, secretKey }, timeoutMs: 5_000 });
}

describe('a simulator with a data folder', () => {
  test('started again, it answers for the tasks of the last one and finishes them on their timetable', async () => {
    const first = await simulatorOn({ dataDir: dir, submittedMs: 100, processingMs: 1_500 });
    const kling = clientOf(first.url, first);
    const done = await kling.submitTask('text2video', bodies.text2video, 'job-done');
    await waitForEnd(kling, 'text2video', done.taskId);
    const running = await kling.submitTask('text2video', bodies.text2video, 'job-running');
    await first.close();

    const second = await simulatorOn({ dataDir: dir });
    const again = clientOf(second.url, second);
    // Not 1203: the task, its external id, its status and its video survive the restart.
    const finished = await again.getTask('text2video', done.taskId);
    expect(finished).toMatchObject({ taskId: done.taskId, status: 'succeed' });
    expect((await again.findTaskByExternalId('text2video', 'job-running'))?.taskId).toBe(running.taskId);
    const ended = await waitForEnd(again, 'text2video', running.taskId);
    expect(ended.status).toBe('succeed');
    expect(second.tasks().map((task) => task.taskId)).toEqual([done.taskId, running.taskId]);
    // An external id is still unique in the account: a second create with it is refused.
    await expect(again.createTask('text2video', bodies.text2video, 'job-done')).rejects.toMatchObject({
      code: 1201,
    });
  });

  test('a torn last line (a kill mid-write) is skipped; one line per task remains after a restart', async () => {
    const first = await simulatorOn({ dataDir: dir, timeScale: 0.001 });
    const kling = clientOf(first.url, first);
    const task = await kling.submitTask('text2video', bodies.text2video, 'job-1');
    await waitForEnd(kling, 'text2video', task.taskId);
    await first.close();
    const journal = join(dir, 'tasks.jsonl');
    expect((await readFile(journal, 'utf8')).trimEnd().split('\n')).toHaveLength(3); // created, processing, succeed
    await appendFile(journal, '{"taskId":"half-writ');

    const second = await simulatorOn({ dataDir: dir });
    expect(second.tasks()).toEqual([expect.objectContaining({ taskId: task.taskId, status: 'succeed' })]);
    expect((await readFile(journal, 'utf8')).trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('the embedded simulator of a data folder', () => {
  test('a second worker of the folder uses the first one’s simulator', async () => {
    const owner = await obtainEmbeddedSimulator({ dataDir: dir });
    closers.push(() => owner.close());
    const user = await obtainEmbeddedSimulator({ dataDir: dir });
    expect(owner.owned).toBe(true);
    expect(user).toMatchObject({ owned: false, url: owner.url });
    const task = await clientOf(owner.url, owner).submitTask('text2video', bodies.text2video, 'job-shared');
    expect((await clientOf(user.url, user).getTask('text2video', task.taskId)).taskId).toBe(task.taskId);
  });

  test('after its owner died, the next worker takes it over on the same port with the same tasks', async () => {
    const owner = await obtainEmbeddedSimulator({ dataDir: dir });
    const task = await clientOf(owner.url, owner).submitTask('text2video', bodies.text2video, 'job-orphan');
    await owner.close();
    // A lock left by a process that no longer exists, as `kill -9` leaves it.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    await writeFile(join(dir, 'simulator', 'owner.lock'), String(dead.pid));

    const next = await obtainEmbeddedSimulator({ dataDir: dir });
    closers.push(() => next.close());
    expect(next).toMatchObject({ owned: true, url: owner.url });
    expect((await clientOf(next.url, next).getTask('text2video', task.taskId)).taskId).toBe(task.taskId);
  });
});
