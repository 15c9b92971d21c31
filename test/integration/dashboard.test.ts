// Issue 17, acceptance 2: the Grafana dashboard (deploy/grafana) loads, and every metric each panel queries — with
// the labels it filters and groups on — is one the real worker process serves at /metrics after a few jobs: one
// succeeded, one failed at Kling, one that met a Kling concurrency error on its way to success.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as metricNames from '../../src/telemetry/metric-names.js';
import { namesInQuery, queryPanels, readDashboard } from '../support/dashboard.js';
import { eventually } from '../support/eventually.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';
import { parseSamples, type Sample } from '../support/prometheus-text.js';
import { freePort, startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/**
 * Metrics the dashboard queries that the worker on this branch does not export yet, each with the change that adds
 * it. The ONLY place such an exception may live: when that change is merged, delete its entry here, and the check
 * below holds the metric to the worker's real output like every other.
 */
const NOT_EXPORTED_YET: Readonly<Record<string, string>> = {
  // The stuck-job alarm of the hostile-input issue: added by issue 13 (src/telemetry/metric-names.ts). The lead
  // removes this entry at merge; the scrape must then include it, so the jobs below must raise one alarm.
  kling_video_job_alarms_total: 'issue 13',
};

/** Labels Prometheus adds at scrape time (deploy/prometheus.yml), not the worker. */
const SCRAPE_LABELS = new Set(['job', 'instance']);

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;

describe('the Grafana dashboard against a real worker', () => {
  let p: Pipeline;
  let worker: WorkerProcess | undefined;
  let samples: Sample[];

  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'dashboard', database: 'postgres' });
    const port = await freePort();
    worker = await startWorkerProcess(p, { METRICS_BIND_ADDRESS: `127.0.0.1:${port}` });
    await (await p.startJob(payload)).result();
    p.simulator.setFaults({ failTasks: 1 });
    await expect((await p.startJob(payload)).result()).rejects.toThrow();
    p.simulator.setFaults({ createErrors: [1303] });
    await (await p.startJob(payload)).result();
    samples = await eventually(async () => {
      const scraped = parseSamples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
      const outcomes = scraped
        .filter((s) => s.name === metricNames.JOBS_METRIC)
        .reduce((n, s) => n + s.value, 0);
      return outcomes === 3 ? scraped : undefined;
    }, 'the three jobs in the metrics');
  });
  afterAll(async () => {
    worker?.kill();
    await p?.close();
  });

  const dashboard = readDashboard();
  const queries = queryPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
  );

  it('queries only metrics, and labels, that the worker exports', () => {
    const labelsOf = new Map<string, Set<string>>();
    for (const sample of samples) {
      const labels = labelsOf.get(sample.name) ?? new Set<string>();
      for (const label of Object.keys(sample.labels)) labels.add(label);
      labelsOf.set(sample.name, labels);
    }
    const problems: string[] = [];
    for (const { panel, expr } of queries) {
      const { selectors, groupingLabels } = namesInQuery(expr);
      const known = selectors.filter(({ metric }) => NOT_EXPORTED_YET[metric] === undefined);
      for (const { metric, labels } of known) {
        const exported = labelsOf.get(metric);
        if (exported === undefined) problems.push(`${panel}: ${metric} is not exported`);
        for (const label of labels)
          if (exported !== undefined && !exported.has(label))
            problems.push(`${panel}: ${metric} has no label ${label}`);
      }
      // A grouping label must exist on some metric of the query (or be one Prometheus adds).
      if (known.length === selectors.length)
        for (const label of groupingLabels)
          if (!SCRAPE_LABELS.has(label) && !known.some(({ metric }) => labelsOf.get(metric)?.has(label)))
            problems.push(`${panel}: no metric of "${expr}" has the label ${label}`);
    }
    expect(problems).toEqual([]);
    // Not vacuous: the dashboard asks for the project's metrics and the SDK's.
    const asked = new Set(queries.flatMap(({ expr }) => namesInQuery(expr).selectors.map((s) => s.metric)));
    expect([...asked].filter((metric) => metric.startsWith('temporal_')).length).toBeGreaterThanOrEqual(5);
    expect([...asked].filter((metric) => metric.startsWith('kling_video_')).length).toBeGreaterThanOrEqual(6);
  });

  it('names each exception explicitly: still queried by the dashboard, still not exported by this worker', () => {
    const asked = new Set(queries.flatMap(({ expr }) => namesInQuery(expr).selectors.map((s) => s.metric)));
    const exported = new Set(samples.map((sample) => sample.name));
    const ours = new Set(Object.values(metricNames) as unknown[]);
    for (const [metric, change] of Object.entries(NOT_EXPORTED_YET)) {
      expect(asked.has(metric), `${metric} is no longer on the dashboard: drop the exception`).toBe(true);
      expect(
        ours.has(metric) || exported.has(metric),
        `${metric} is exported now (${change} merged): remove it from NOT_EXPORTED_YET`,
      ).toBe(false);
    }
  });
});
