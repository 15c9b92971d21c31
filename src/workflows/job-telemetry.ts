// A job's log lines and metrics, derived from its status each time the workflow changes it, so the workflow body
// stays free of them. Workflow `log` and `metricMeter` are sinks that the SDK skips on replay: nothing here adds
// to history, and a worker rebuilding a job from history neither logs nor counts its past again.
import { log, metricMeter } from '@temporalio/workflow';
import { BILL_AMOUNT_METRIC, JOBS_METRIC, PHASE_DURATION_METRIC } from '../telemetry/metric-names.js';
import type { JobPhase, JobStatus } from '../definitions/job.js';

const finalPhases: ReadonlySet<JobPhase> = new Set([
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'rejected',
]);

/** Returns the observer of one job's status: call it with every new status; it returns that status. */
export function jobTelemetry(initial: JobStatus): (next: JobStatus) => JobStatus {
  const jobs = metricMeter.createCounter(JOBS_METRIC, undefined, 'Jobs ended, by outcome');
  const phaseSeconds = metricMeter.createHistogram(
    PHASE_DURATION_METRIC,
    'float',
    's',
    'Time a job spent in each phase',
  );
  const billCents = metricMeter.createHistogram(
    BILL_AMOUNT_METRIC,
    'int',
    undefined,
    'Bill lines written, in cents',
  );
  let previous = initial;
  // Workflow time: the start of the workflow task that changed the phase.
  let phaseSince = Date.now();

  return (next) => {
    const { jobId } = next;
    if (previous.quote === undefined && next.quote !== undefined) {
      const { model, mode, inputType, billedSeconds, amountCents, costUsd, currency, rateCard } = next.quote;
      log.info('job accepted', {
        jobId,
        model,
        mode,
        inputType,
        billedSeconds,
        quoteCents: amountCents,
        quoteUsd: costUsd,
        currency,
        rateCard: rateCard.version,
      });
    }
    if (previous.klingTaskId === undefined && next.klingTaskId !== undefined) {
      log.info('task submitted', { jobId, klingTaskId: next.klingTaskId, family: next.family });
    }
    if (
      next.klingStatus !== previous.klingStatus &&
      (next.klingStatus === 'succeed' || next.klingStatus === 'failed')
    ) {
      log.info('task finished', { jobId, klingTaskId: next.klingTaskId, klingStatus: next.klingStatus });
    }
    if (previous.bill === undefined && next.bill !== undefined) {
      const { amountCents, costUsd, currency, klingTaskId } = next.bill;
      billCents.record(amountCents, { currency });
      log.info('bill written', { jobId, klingTaskId, amountCents, costUsd, currency });
    }
    if (next.phase !== previous.phase) {
      const now = Date.now();
      phaseSeconds.record((now - phaseSince) / 1000, { phase: previous.phase });
      phaseSince = now;
      if (finalPhases.has(next.phase)) ended(next);
    }
    previous = next;
    return next;
  };

  function ended({ jobId, phase, failure, klingTaskId }: JobStatus): void {
    jobs.add(1, { outcome: phase });
    if (phase === 'succeeded') log.info('job succeeded', { jobId, klingTaskId });
    else if (phase === 'cancelled') log.info('job cancelled', { jobId, klingTaskId });
    else
      log.warn('job failed', { jobId, outcome: phase, failureType: failure?.type, reason: failure?.message });
  }
}
