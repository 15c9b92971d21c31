// Issue 15's targets, judged on the production designs' rows of one run: absolute limits (history, workflow
// tasks, Kling status reads), ratios to the frozen `retry-poll` design and to the best alternative at the same
// N, T and concurrency, and the 10,000-jobs run. A target whose condition a row does not meet (another T, N or
// concurrency) is not listed for it; one whose comparison row is missing is `n/a`.
import { designs } from './designs.js';
import type { Configuration } from './options.js';
import { cpuPerJob, eventsPerJob, statusRequestsPerJob, workflowTasksPerJob } from './per-job.js';
import type { ConfigurationResult } from './result.js';

export type Verdict = 'met' | 'not met' | 'n/a';

export interface TargetCheck {
  readonly configuration: Configuration;
  readonly target: string;
  /** The measured value, and what it was compared with. */
  readonly measured: string;
  readonly verdict: Verdict;
}

const MiB = 2 ** 20;
const fixed = (value: number, digits: number): string => value.toFixed(digits);
const verdict = (met: boolean): Verdict => (met ? 'met' : 'not met');

const sameLoad = (a: Configuration, b: Configuration): boolean =>
  a.jobs === b.jobs && a.generationSeconds === b.generationSeconds && a.concurrency === b.concurrency;

/** Production's 10 s interval in simulated time, as the status-request target states it. */
const productionInterval = (c: Configuration): boolean =>
  Math.abs(c.pollIntervalMs / c.timeScale - 10_000) < 1;

function vsRetryPoll(
  ours: ConfigurationResult,
  all: readonly ConfigurationResult[],
  limit: number,
): Pick<TargetCheck, 'measured' | 'verdict'> {
  const theirs = all.find(
    (r) => r.configuration.design === 'retry-poll' && sameLoad(r.configuration, ours.configuration),
  );
  const mine = cpuPerJob(ours);
  const base = theirs === undefined ? undefined : cpuPerJob(theirs);
  if (mine === undefined || base === undefined || base === 0) {
    return {
      measured:
        theirs === undefined ? 'no retry-poll row at the same N, T and concurrency' : 'server CPU unread',
      verdict: 'n/a',
    };
  }
  return {
    measured: `${fixed(mine / base, 2)}× (${fixed(mine, 1)} ms ÷ retry-poll's ${fixed(base, 1)} ms)`,
    verdict: verdict(mine / base <= limit),
  };
}

function vsBestAlternative(
  ours: ConfigurationResult,
  all: readonly ConfigurationResult[],
  metric: { readonly value: (r: ConfigurationResult) => number; readonly unit: string },
  better: 'higher' | 'lower',
  limit: number,
  /** The most any design can reach at this load, and why; named when the target lies beyond it. */
  ceiling?: { readonly value: number; readonly why: string },
): Pick<TargetCheck, 'measured' | 'verdict'> {
  const alternatives = all.filter(
    (r) =>
      designs[r.configuration.design].side === 'alternative' && sameLoad(r.configuration, ours.configuration),
  );
  const best = alternatives.reduce<ConfigurationResult | undefined>((champion, r) => {
    if (champion === undefined) return r;
    const ahead =
      better === 'higher'
        ? metric.value(r) > metric.value(champion)
        : metric.value(r) < metric.value(champion);
    return ahead ? r : champion;
  }, undefined);
  if (best === undefined || metric.value(best) === 0)
    return { measured: 'no alternative at the same N, T and concurrency', verdict: 'n/a' };
  const ratio = metric.value(ours) / metric.value(best);
  const retryPoll = alternatives.find((r) => r.configuration.design === 'retry-poll');
  const againstRetryPoll =
    retryPoll === undefined || retryPoll === best || metric.value(retryPoll) === 0
      ? ''
      : `; ${fixed(metric.value(ours) / metric.value(retryPoll), 2)}× retry-poll's`;
  const beyondReach =
    ceiling !== undefined && better === 'higher' && limit * metric.value(best) > ceiling.value
      ? `; ${fixed(limit, 1)}× is ${fixed(limit * metric.value(best), 2)} ${metric.unit}, beyond any design's ` +
        `${fixed(ceiling.value, 2)} here (${ceiling.why})`
      : '';
  return {
    measured:
      `${fixed(ratio, 2)}× (${fixed(metric.value(ours), 2)} ${metric.unit} ÷ ${best.configuration.design}'s ` +
      `${fixed(metric.value(best), 2)}, the best alternative${againstRetryPoll}${beyondReach})`,
    verdict: verdict(better === 'higher' ? ratio >= limit : ratio <= limit),
  };
}

function checksOf(ours: ConfigurationResult, all: readonly ConfigurationResult[]): TargetCheck[] {
  const c = ours.configuration;
  const checks: Omit<TargetCheck, 'configuration'>[] = [];
  const shared = (total: number): string =>
    ours.shared.runs === 0 ? '' : ` (+${fixed(total / c.jobs, 2)} shared)`;

  const events = eventsPerJob(ours);
  checks.push({
    target: 'history events per job ≤ 20',
    measured: `${fixed(events, 1)}: job ${fixed(ours.historyEvents.mean, 1)}${shared(ours.shared.events)}`,
    verdict: verdict(events <= 20),
  });
  const tasks = workflowTasksPerJob(ours);
  checks.push({
    target: 'workflow tasks per job ≤ 3',
    measured: `${fixed(tasks, 2)}: job ${fixed(ours.workflowTasks.mean, 2)}${shared(ours.shared.workflowTasks)}`,
    verdict: verdict(tasks <= 3),
  });
  if (c.jobs === 1000 && c.generationSeconds === 300 && productionInterval(c)) {
    const kinds = ours.klingRequestKindsPerJob;
    // Every status read counts, in batches and by task id alike. A job the sweep woke settles on the ending the
    // sweep read from Kling (src/domain/task-ending.ts), so Kling's answer still decides what is billed without a
    // query of its own; a job that does query (its own check, a list entry without its videos) pays 1.0 for it.
    const all = statusRequestsPerJob(ours);
    checks.push({
      target: 'Kling status requests per job ≤ 0.3',
      measured:
        `${fixed(all, 2)}: ${fixed(kinds.statusBatch, 2)} in batches + ` +
        `${fixed(kinds.statusById, 2)} by task id`,
      verdict: verdict(all <= 0.3),
    });
  }
  if (c.generationSeconds === 60)
    checks.push({ target: 'worker + server CPU per job ≤ 0.5× retry-poll', ...vsRetryPoll(ours, all, 0.5) });
  if (c.generationSeconds === 300)
    checks.push({ target: 'worker + server CPU per job ≤ 0.2× retry-poll', ...vsRetryPoll(ours, all, 0.2) });
  if (c.jobs === 1000 && c.concurrency === 200) {
    checks.push({
      target: 'jobs/s ≥ 1.5× the best alternative',
      ...vsBestAlternative(ours, all, { value: (r) => r.throughput, unit: 'jobs/s' }, 'higher', 1.5, {
        // Each of the 200 open jobs holds its place for at least its generation time.
        value: c.concurrency / (c.generationSeconds * c.timeScale),
        why: `${c.concurrency} open, each for at least ${fixed(c.generationSeconds * c.timeScale, 1)} s`,
      }),
    });
    checks.push({
      target: 'overhead p99 ≤ 0.5× the best alternative',
      ...vsBestAlternative(ours, all, { value: (r) => r.overheadMs.p99 / 1000, unit: 's' }, 'lower', 0.5),
    });
  }
  if (c.jobs >= 10_000 && c.generationSeconds === 300 && c.timeScale === 1) {
    const { completed, audit, worker } = ours;
    const p99 = ours.overheadMs.p99 / 1000;
    const allOpen = worker.maxInFlight >= c.jobs;
    checks.push({
      target: `${c.jobs} jobs open at once, all complete, one Kling task and one bill each, overhead p99 ≤ 30 s`,
      measured:
        `${worker.maxInFlight} open at most, ${completed} completed, ${audit.oneTask} with one task, ` +
        `${audit.billed} billed; p99 ${fixed(p99, 1)} s; worker RSS ` +
        `${fixed(worker.baselineRssBytes / MiB, 0)} → ${fixed(worker.peakRssBytes / MiB, 0)} MiB`,
      verdict: verdict(
        allOpen && completed === c.jobs && audit.oneTask === c.jobs && audit.billed === c.jobs && p99 <= 30,
      ),
    });
  }
  return checks.map((check) => ({ configuration: c, ...check }));
}

/** Every applicable target of every production row, in the order of the results. */
export function checkTargets(results: readonly ConfigurationResult[]): TargetCheck[] {
  return results
    .filter((r) => designs[r.configuration.design].side === 'production')
    .flatMap((r) => checksOf(r, results));
}
