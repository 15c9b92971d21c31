import { describe, expect, it } from 'vitest';
import { FamilySweep, MAX_PAGE_NUM, PAGE_SIZE, type ListedTask } from '../../src/domain/sweep.js';

/** An account's tasks on one family, newest first, as Kling's list returns them. */
function account(tasks: readonly ListedTask[]) {
  const newestFirst = [...tasks].sort((a, b) => b.createdAt - a.createdAt);
  return {
    page: (pageNum: number, pageSize: number) =>
      newestFirst.slice((pageNum - 1) * pageSize, pageNum * pageSize),
    get: (taskId: string) => newestFirst.find((task) => task.taskId === taskId),
  };
}

/** `count` tasks, one every `everyMs`, the newest at `newestAt`; `status` by index. */
function created(count: number, everyMs: number, newestAt: number, status = (_i: number) => 'processing') {
  return Array.from({ length: count }, (_, i) => ({
    taskId: `t${i}`,
    status: status(i),
    createdAt: newestAt - i * everyMs,
  }));
}

/** Runs the sweep against the account; returns the requests it made, by kind. */
function run(sweep: FamilySweep, list: ReturnType<typeof account>) {
  const made = { pages: 0, gets: 0 };
  for (let read = sweep.next(); read.kind !== 'done'; read = sweep.next()) {
    if (read.kind === 'page') {
      made.pages++;
      expect(read.pageNum).toBeLessThanOrEqual(MAX_PAGE_NUM);
      expect(read.pageSize).toBe(PAGE_SIZE);
      sweep.takePage(list.page(read.pageNum, read.pageSize));
    } else {
      for (const taskId of read.taskIds) {
        made.gets++;
        sweep.takeQuery(list.get(taskId));
      }
    }
  }
  expect(sweep.requests).toBe(made.pages + made.gets);
  return made;
}

const targetsOf = (tasks: readonly ListedTask[]) =>
  tasks.map(({ taskId, createdAt }) => ({ taskId, createdAt }));

describe('the sweep of one family', () => {
  it('reads every waiting task of a quiet account with one page', () => {
    const tasks = created(300, 1_000, 1_000_000, (i) => (i % 3 === 0 ? 'succeed' : 'processing'));
    const sweep = new FamilySweep(targetsOf(tasks), 40);
    expect(run(sweep, account(tasks))).toEqual({ pages: 1, gets: 0 });
    expect(sweep.statuses.size).toBe(300);
    expect(sweep.statuses.get('t0')).toBe('succeed');
    expect(sweep.statuses.get('t1')).toBe('processing');
  });

  it('reads one waiting task with its own query', () => {
    const tasks = created(5_000, 1, 1_000_000);
    const sweep = new FamilySweep(targetsOf([tasks[4_000]!]), 40);
    expect(run(sweep, account(tasks))).toEqual({ pages: 0, gets: 1 });
    expect(sweep.statuses.get('t4000')).toBe('processing');
  });

  it('queries a few old tasks one by one rather than page down to them in a busy account', () => {
    // 20,000 tasks of the account in the last 20 s; this worker waits on 3 from 15 s ago.
    const tasks = created(20_000, 1, 1_000_000);
    const waiting = [tasks[15_000]!, tasks[15_001]!, tasks[15_400]!];
    const sweep = new FamilySweep(targetsOf(waiting), 40);
    expect(run(sweep, account(tasks))).toEqual({ pages: 1, gets: 3 });
    expect([...sweep.statuses.keys()].sort()).toEqual(['t15000', 't15001', 't15400']);
  });

  it('pages when its tasks are many: 2,000 waiting among 6,000 cost 12 pages, not 2,000 queries', () => {
    const tasks = created(6_000, 10, 1_000_000);
    const waiting = tasks.filter((_, i) => i % 3 === 0);
    const sweep = new FamilySweep(targetsOf(waiting), 40);
    const made = run(sweep, account(tasks));
    expect(made.pages + made.gets).toBeLessThanOrEqual(13);
    expect(sweep.statuses.size).toBe(2_000);
  });

  it('stops at its request budget; what is left waits for the next sweep', () => {
    const tasks = created(100_000, 1, 1_000_000);
    const waiting = tasks.filter((_, i) => i % 10 === 0);
    const sweep = new FamilySweep(targetsOf(waiting), 5);
    const made = run(sweep, account(tasks));
    expect(made.pages + made.gets).toBe(5);
    expect(sweep.statuses.size).toBe(250);
  });

  it('queries a task the list does not show', () => {
    const listed = created(10, 1_000, 1_000_000);
    const missing = { taskId: 'gone-from-the-list', status: 'succeed', createdAt: 995_500 };
    const sweep = new FamilySweep(targetsOf([...listed.slice(0, 3), missing]), 40);
    const made = run(sweep, {
      page: account(listed).page,
      get: (taskId) => (taskId === missing.taskId ? missing : undefined),
    });
    expect(made).toEqual({ pages: 1, gets: 1 });
    expect(sweep.statuses.get('gone-from-the-list')).toBe('succeed');
  });

  it('reads nothing when nothing waits', () => {
    expect(new FamilySweep([], 40).next()).toEqual({ kind: 'done' });
  });
});
