import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Quote } from '../../src/domain/bill-line.js';
import type { BillLine } from '../../src/domain/bill-line.js';
import { InputType, Mode, Resolution } from '../../src/domain/terms.js';
import { JobNotBillableError, JobNotFoundError, SubmissionConflictError } from '../../src/store/errors.js';
import type { JobStore } from '../../src/store/job-store.js';
import { billLineFor, newJob, sampleQuote, uniqueJobId } from './fixtures.js';

/** The behaviour every backend must show; registered inside a describe block of each backend's test file. */
export function jobStoreContract(open: () => Promise<JobStore>): void {
  let store: JobStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('inserts a job once; a retry with another quote gets the stored row back', async () => {
    const jobId = uniqueJobId('insert');
    const first = await store.insertJob(newJob(jobId));
    expect(first.inserted).toBe(true);
    expect(first.job).toMatchObject({
      jobId,
      status: 'accepted',
      klingTaskId: null,
      outputs: null,
      failure: null,
    });
    expect(first.job.quote).toStrictEqual(sampleQuote);
    expect(first.job.envelope).toStrictEqual(newJob(jobId).envelope);
    expect(first.job.rateCardSha256).toBe(sampleQuote.rateCard.sha256);

    const repriced = { ...sampleQuote, costUsd: '0.99', amountCents: 99 };
    const second = await store.insertJob(newJob(jobId, repriced));
    expect(second).toStrictEqual({ job: first.job, inserted: false });
    expect(await store.getJob(jobId)).toStrictEqual(first.job);
  });

  it('inserts a job once when the same job is inserted concurrently', async () => {
    const jobId = uniqueJobId('insert-race');
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((cents) => store.insertJob(newJob(jobId, { ...sampleQuote, amountCents: cents }))),
    );
    expect(results.filter((r) => r.inserted)).toHaveLength(1);
    const stored = await store.getJob(jobId);
    for (const result of results) expect(result.job).toStrictEqual(stored);
  });

  it('returns undefined for a job or bill line that does not exist', async () => {
    expect(await store.getJob('job-never-inserted')).toBeUndefined();
    expect(await store.getBillLine('job-never-inserted')).toBeUndefined();
  });

  it('marks a job as having a create sent, and tells a later submit that an earlier one was sent', async () => {
    const jobId = uniqueJobId('create-sent');
    const { job } = await store.insertJob(newJob(jobId));
    expect(await store.startCreate(jobId)).toStrictEqual({ job, createSentBefore: false });
    expect(await store.startCreate(jobId)).toStrictEqual({ job, createSentBefore: true });
    const [a, b] = await Promise.all([store.startCreate(jobId), store.startCreate(jobId)]);
    expect([a?.createSentBefore, b?.createSentBefore]).toEqual([true, true]);
    const raced = uniqueJobId('create-sent-race');
    await store.insertJob(newJob(raced));
    const firsts = await Promise.all([1, 2, 3].map(() => store.startCreate(raced)));
    expect(firsts.filter((first) => first?.createSentBefore === false)).toHaveLength(1);
    expect(await store.startCreate('job-never-inserted')).toBeUndefined();
    await store.forgetCreate(jobId);
    expect((await store.startCreate(jobId))?.createSentBefore).toBe(false);
  });

  it('records the Kling task once and refuses a different one', async () => {
    const jobId = uniqueJobId('submit');
    await store.insertJob(newJob(jobId));
    const submitted = await store.recordSubmission(jobId, { klingTaskId: 'task-1', family: 'text2video' });
    expect(submitted).toMatchObject({
      status: 'submitted',
      klingTaskId: 'task-1',
      klingFamily: 'text2video',
    });
    expect(
      await store.recordSubmission(jobId, { klingTaskId: 'task-1', family: 'text2video' }),
    ).toStrictEqual(submitted);
    await expect(
      store.recordSubmission(jobId, { klingTaskId: 'task-2', family: 'text2video' }),
    ).rejects.toThrow(SubmissionConflictError);
    expect((await store.getJob(jobId))?.klingTaskId).toBe('task-1');
    await expect(
      store.recordSubmission('job-never-inserted', { klingTaskId: 'task-1', family: 'text2video' }),
    ).rejects.toThrow(JobNotFoundError);
  });

  it('records which Kling API the task is on (legacy when unsaid) and what Kling charged, beside our bill', async () => {
    const onNew = uniqueJobId('api-new');
    const onLegacy = uniqueJobId('api-legacy');
    await store.insertJob(newJob(onNew));
    await store.insertJob(newJob(onLegacy));
    expect((await store.getJob(onNew))?.klingApi).toBeNull();
    expect(
      await store.recordSubmission(onNew, { klingTaskId: 'task-new', family: 'text2video', api: 'new' }),
    ).toMatchObject({ klingApi: 'new', klingBilling: null });
    expect(
      await store.recordSubmission(onLegacy, { klingTaskId: 'task-old', family: 'text2video' }),
    ).toMatchObject({ klingApi: 'legacy' });
    // As Kling sent it (a JSON number), kept as an exact decimal string.
    await store.recordKlingBilling(onNew, [
      { charge_type: 'unit', amount: 5, package_type: 'video', list_price: 5 },
    ]);
    expect((await store.getJob(onNew))?.klingBilling).toStrictEqual([
      { charge_type: 'unit', amount: '5', package_type: 'video', list_price: '5' },
    ]);
  });

  it('keeps the name a bill line’s request used next to the model, and no name on lines without one', async () => {
    const renamed = uniqueJobId('renamed');
    const plain = uniqueJobId('plain');
    for (const jobId of [renamed, plain]) await store.insertJob(newJob(jobId));
    const line = billLineFor(renamed, { model: 'kling-v3', requestedModel: 'kling-3.0' });
    expect((await store.insertBillLine(line)).line).toStrictEqual(line);
    expect(await store.getBillLine(renamed)).toStrictEqual(line);
    await store.insertBillLine(billLineFor(plain));
    expect(await store.getBillLine(plain)).not.toHaveProperty('requestedModel');
  });

  it('finds the succeeded job that made an output video, by the video id', async () => {
    const jobId = uniqueJobId('outputs');
    await store.insertJob(newJob(jobId));
    await store.recordSubmission(jobId, { klingTaskId: 'task-out', family: 'text2video' });
    const videoId = `video-${jobId}`;
    expect(await store.findJobByOutputVideo(videoId)).toBeUndefined();
    await store.finishJob(jobId, {
      outcome: 'succeeded',
      outputs: [
        { id: `other-${jobId}`, url: 'https://e.com/a.mp4', duration: '5.04' },
        { id: videoId, url: 'https://e.com/b.mp4', duration: '5.04' },
      ],
    });
    expect((await store.findJobByOutputVideo(videoId))?.jobId).toBe(jobId);
    // Containment, not text search: a prefix of an id is not the id.
    expect(await store.findJobByOutputVideo(videoId.slice(0, -1))).toBeUndefined();
    expect(await store.findJobByOutputVideo("' OR 1=1 --")).toBeUndefined();
  });

  it('finishes a job once: a second finish returns the first outcome', async () => {
    const jobId = uniqueJobId('finish');
    await store.insertJob(newJob(jobId));
    await store.recordSubmission(jobId, { klingTaskId: 'task-9', family: 'image2video' });
    expect((await store.recordKlingStatus(jobId, 'processing')).klingStatus).toBe('processing');
    await store.recordKlingStatus(jobId, 'succeed');
    const outputs = [{ id: 'video-1', url: 'https://cdn.example/v1.mp4', duration: '5.04' }];
    const finished = await store.finishJob(jobId, { outcome: 'succeeded', outputs });
    expect(finished).toMatchObject({ status: 'succeeded', outputs, klingStatus: 'succeed', failure: null });

    const again = await store.finishJob(jobId, {
      outcome: 'failed',
      failureType: 'KlingTaskFailed',
      reason: 'late',
    });
    expect(again).toStrictEqual(finished);
    expect(await store.recordKlingStatus(jobId, 'processing')).toStrictEqual(finished);
    expect(await store.getJob(jobId)).toStrictEqual(finished);
  });

  it('keeps the failure type and reason of a failed job', async () => {
    const jobId = uniqueJobId('fail');
    await store.insertJob(newJob(jobId));
    const failed = await store.finishJob(jobId, {
      outcome: 'timed_out',
      failureType: 'KlingTimeout',
      reason: 'no terminal status after 60 min',
    });
    expect(failed).toMatchObject({
      status: 'timed_out',
      outputs: null,
      failure: { type: 'KlingTimeout', reason: 'no terminal status after 60 min' },
    });
    await expect(
      store.finishJob('job-never-inserted', { outcome: 'cancelled', failureType: 'Cancelled', reason: 'x' }),
    ).rejects.toThrow(JobNotFoundError);
  });

  it('writes one bill line under concurrent inserts; every caller gets the stored line', async () => {
    const jobId = uniqueJobId('bill-race');
    await store.insertJob(newJob(jobId));
    const attempts = [1, 2, 3, 4, 5, 6].map((n) =>
      billLineFor(jobId, { createdAt: new Date(Date.UTC(2026, 10, 2, 10, 0, n)).toISOString() }),
    );
    const results = await Promise.all(attempts.map((line) => store.insertBillLine(line)));
    expect(results.filter((r) => r.inserted)).toHaveLength(1);
    const stored = await store.getBillLine(jobId);
    expect(attempts).toContainEqual(stored);
    for (const result of results) expect(result.line).toStrictEqual(stored);

    const retry = await store.insertBillLine(billLineFor(jobId, { amountCents: 1, costUsd: '0.01' }));
    expect(retry).toStrictEqual({ line: stored, inserted: false });
  });

  it('refuses a bill line for a job it does not know', async () => {
    await expect(store.insertBillLine(billLineFor('job-never-inserted'))).rejects.toThrow();
    expect(await store.getBillLine('job-never-inserted')).toBeUndefined();
  });

  it('round-trips money exactly: decimal strings stay strings, cents stay integers', async () => {
    await fc.assert(
      fc.asyncProperty(billLines, async (generated) => {
        // structuredClone gives fast-check's prototype-less records a plain prototype, like parsed rows have.
        const line = structuredClone({ ...generated, jobId: uniqueJobId('money') });
        const quote = Quote.parse(line);
        const { job } = await store.insertJob(newJob(line.jobId, quote));
        expect(job.quote).toStrictEqual(quote);
        expect(await store.insertBillLine(line)).toStrictEqual({ line, inserted: true });
        expect(await store.getBillLine(line.jobId)).toStrictEqual(line);
      }),
      { numRuns: 25 },
    );
  });

  it('bills a succeeded job and finishes it in one step; a retry returns the stored line', async () => {
    const jobId = uniqueJobId('settle');
    await store.insertJob(newJob(jobId));
    await store.recordSubmission(jobId, { klingTaskId: '866889456698785798', family: 'text2video' });
    const outputs = [{ id: 'video-1', url: 'https://cdn.example/v1.mp4', duration: '5.04' }];
    const attempts = [1, 2, 3, 4].map((n) =>
      billLineFor(jobId, { createdAt: new Date(Date.UTC(2026, 10, 2, 10, 0, n)).toISOString() }),
    );
    const lines = await Promise.all(attempts.map((line) => store.billSucceededJob(line, outputs)));
    const stored = await store.getBillLine(jobId);
    expect(attempts).toContainEqual(stored);
    for (const line of lines) expect(line).toStrictEqual(stored);
    expect(await store.getJob(jobId)).toMatchObject({ status: 'succeeded', outputs, klingStatus: 'succeed' });
    expect(await store.billSucceededJob(billLineFor(jobId, { amountCents: 1 }), [])).toStrictEqual(stored);
    expect((await store.getJob(jobId))?.outputs).toStrictEqual(outputs);
  });

  it('bills no job that ended otherwise, never submitted, or holds another task', async () => {
    const cancelled = uniqueJobId('settle-cancelled');
    await store.insertJob(newJob(cancelled));
    await store.recordSubmission(cancelled, { klingTaskId: '866889456698785798', family: 'text2video' });
    await store.finishJob(cancelled, { outcome: 'cancelled', failureType: 'Cancelled', reason: 'x' });
    await expect(store.billSucceededJob(billLineFor(cancelled), [])).rejects.toThrow(JobNotBillableError);
    expect(await store.getBillLine(cancelled)).toBeUndefined();

    const other = uniqueJobId('settle-other');
    await store.insertJob(newJob(other));
    await store.recordSubmission(other, { klingTaskId: 'another-task', family: 'text2video' });
    await expect(store.billSucceededJob(billLineFor(other), [])).rejects.toThrow(JobNotBillableError);
    expect(await store.getJob(other)).toMatchObject({ status: 'submitted' });

    await expect(store.billSucceededJob(billLineFor(uniqueJobId('never')), [])).rejects.toThrow(
      JobNotFoundError,
    );
  });

  it("lists an account's waiting tasks for the sweep: newest first, only open ones not seen ending", async () => {
    const queue = uniqueJobId('queue');
    const submit = async (
      label: string,
      createdAt: number,
      taskQueue = queue,
      api: 'legacy' | 'new' = 'legacy',
    ) => {
      const jobId = uniqueJobId(label);
      await store.insertJob(newJob(jobId));
      await store.recordSubmission(jobId, {
        klingTaskId: `task-${jobId}`,
        family: 'image2video',
        api,
        sweep: { taskQueue, klingCreatedAt: createdAt },
      });
      return jobId;
    };
    const older = await submit('older', 1_774_711_071_284);
    const newer = await submit('newer', 1_774_711_072_284, queue, 'new');
    const ended = await submit('ended', 1_774_711_073_284);
    const finished = await submit('finished', 1_774_711_074_284);
    await submit('elsewhere', 1_774_711_075_284, `${queue}-other`);
    const legacy = uniqueJobId('legacy');
    await store.insertJob(newJob(legacy));
    await store.recordSubmission(legacy, { klingTaskId: 'task-legacy', family: 'image2video' });
    await store.insertJob(newJob(uniqueJobId('accepted')));
    await store.recordKlingStatuses([
      { jobId: ended, status: 'succeed' },
      { jobId: newer, status: 'processing' },
    ]);
    await store.finishJob(finished, { outcome: 'timed_out', failureType: 'JobTimedOut', reason: 'x' });

    const waiting = await store.waitingTasks(queue, { limit: 10 });
    expect(waiting).toStrictEqual([
      // Each with the API its task is read on (the new API's in batches of ids).
      {
        jobId: newer,
        taskId: `task-${newer}`,
        family: 'image2video',
        api: 'new',
        createdAt: 1_774_711_072_284,
        // What was recorded last, so a sweep writes only what changed.
        klingStatus: 'processing',
      },
      {
        jobId: older,
        taskId: `task-${older}`,
        family: 'image2video',
        api: 'legacy',
        createdAt: 1_774_711_071_284,
      },
    ]);
    expect(await store.waitingTasks(queue, { limit: 1 })).toStrictEqual(waiting.slice(0, 1));
    expect(
      await store.waitingTasks(queue, { jobIds: [older, ended, 'job-unknown'], limit: 10 }),
    ).toStrictEqual(waiting.slice(1));
    expect(await store.waitingTasks(queue, { jobIds: [], limit: 10 })).toStrictEqual([]);
  });

  it('records what Kling reported for open jobs only, in one call', async () => {
    const open = uniqueJobId('statuses-open');
    const done = uniqueJobId('statuses-done');
    for (const jobId of [open, done]) {
      await store.insertJob(newJob(jobId));
      await store.recordSubmission(jobId, { klingTaskId: `task-${jobId}`, family: 'text2video' });
    }
    const finished = await store.finishJob(done, {
      outcome: 'failed',
      failureType: 'KlingTaskFailed',
      reason: 'x',
    });
    const seen = [
      { jobId: open, status: 'processing' },
      { jobId: done, status: 'succeed' },
      { jobId: 'job-never-inserted', status: 'succeed' },
    ];
    expect(await store.recordKlingStatuses(seen)).toStrictEqual([{ jobId: open, status: 'processing' }]);
    expect(await store.recordKlingStatuses(seen)).toStrictEqual([]);
    expect((await store.getJob(open))?.klingStatus).toBe('processing');
    expect(await store.getJob(done)).toStrictEqual(finished);
    expect(await store.recordKlingStatuses([])).toStrictEqual([]);
  });

  it("records how open jobs' tasks ended, with Kling's charge, only on the job whose task it is", async () => {
    const [open, other, done] = ['open', 'other', 'done'].map((label) => uniqueJobId(`ending-${label}`));
    for (const jobId of [open, other, done]) {
      await store.insertJob(newJob(jobId!));
      await store.recordSubmission(jobId!, { klingTaskId: `task-${jobId}`, family: 'text2video' });
    }
    const finished = await store.finishJob(done!, {
      outcome: 'cancelled',
      failureType: 'Cancelled',
      reason: 'x',
    });
    const billing = [{ charge_type: 'unit' as const, amount: '5', package_type: 'video', list_price: '5' }];
    const ending = (jobId: string) => ({
      taskId: `task-${jobId}`,
      status: 'succeed' as const,
      statusMessage: '',
      videos: [{ id: `video-${jobId}`, url: `https://cdn.example/${jobId}.mp4`, duration: '5.04' }],
      billing,
    });
    await store.recordTaskEndings([
      { jobId: open!, ending: ending(open!) },
      // Another job's task: a row keeps only its own task's ending.
      { jobId: other!, ending: ending(open!) },
      { jobId: done!, ending: ending(done!) },
      { jobId: 'job-never-inserted', ending: ending('job-never-inserted') },
    ]);
    expect(await store.getJob(open!)).toMatchObject({ klingEnding: ending(open!), klingBilling: billing });
    expect(await store.getJob(other!)).toMatchObject({ klingEnding: null, klingBilling: null });
    expect(await store.getJob(done!)).toStrictEqual(finished);

    // Bounded before the write: a report out of bounds never reaches the row.
    const tooMany = {
      ...ending(other!),
      videos: Array.from({ length: 17 }, () => ending(other!).videos[0]!),
    };
    await expect(store.recordTaskEndings([{ jobId: other!, ending: tooMany }])).rejects.toThrow(/videos/);
    await expect(
      store.recordTaskEndings([
        { jobId: other!, ending: { ...ending(other!), statusMessage: 'x'.repeat(2_001) } },
      ]),
    ).rejects.toThrow(/statusMessage/);
    expect((await store.getJob(other!))?.klingEnding).toBeNull();
    await store.recordTaskEndings([]);
  });

  it('lists the most recently accepted jobs first', async () => {
    // Ids deliberately out of alphabetical order, so only the insertion order can produce the expected listing.
    const ids = ['c', 'a', 'b'].map((label) => uniqueJobId(`list-${label}`));
    for (const id of ids) await store.insertJob(newJob(id));
    await store.insertJob(newJob(ids[0] ?? '')); // a retried accept does not move a job up
    const listed = await store.listJobs({ limit: 2 });
    expect(listed.map((job) => job.jobId)).toStrictEqual([ids[2], ids[1]]);
  });
}

const decimal = fc
  .tuple(fc.nat(100_000), fc.option(fc.stringMatching(/^\d{1,8}$/), { nil: undefined }))
  .map(([whole, fraction]) => (fraction === undefined ? `${whole}` : `${whole}.${fraction}`));

const billLines: fc.Arbitrary<Omit<BillLine, 'jobId'>> = fc.record({
  klingTaskId: fc.stringMatching(/^\d{18}$/),
  model: fc.constantFrom('kling-v2-6', 'kling-video-o1', 'kling-v3', 'some-future-model'),
  mode: fc.constantFrom(...Mode.options),
  inputType: fc.constantFrom(...InputType.options),
  requestedSeconds: decimal,
  billedSeconds: fc.integer({ min: 1, max: 2_147_483_647 }),
  requestedResolution: fc.constantFrom(...Resolution.options),
  billedResolution: fc.constantFrom(...Resolution.options),
  factors: fc.record({ basePricePerSecond: decimal, resolution: decimal, input: decimal, model: decimal }),
  rawCostUsd: decimal,
  costUsd: fc
    .tuple(fc.nat(100_000), fc.integer({ min: 0, max: 99 }))
    .map(([d, c]) => `${d}.${`${c}`.padStart(2, '0')}`),
  amountCents: fc.integer({ min: 0, max: 2_147_483_647 }),
  clamped: fc.constantFrom(null, 'min' as const, 'max' as const),
  rounding: fc.constant('half-up' as const),
  currency: fc.constantFrom('USD', 'EUR'),
  rateCard: fc.record({
    version: fc.stringMatching(/^[\w.-]{1,20}$/),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
  }),
  audio: fc.boolean(),
  createdAt: fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString()),
});
