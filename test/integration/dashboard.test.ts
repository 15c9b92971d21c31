// Issue 17, acceptance 2: the Grafana dashboard (deploy/grafana) loads, and every metric each panel queries — with
// the labels it filters and groups on — is one the real worker process serves at /metrics after a few jobs: one
// succeeded, one failed at Kling, one that met a Kling concurrency error on its way to success, and one whose status
// reads kept failing long enough to raise the stuck-job alarm (issue 13) before it succeeded.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as metricNames from '../../src/telemetry/metric-names.js';
import { namesInQuery, queryPanels, readDashboard } from '../support/dashboard.js';
import { eventually } from '../support/eventually.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';
import { parseSamples, type Sample } from '../support/prometheus-text.js';
import { freePort, startWorkerProcess, type WorkerProcess } from '../support/production-worker.js';

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
    // Refused twice: the local attempt and the normal activity's first, so both kinds of activity failure show.
    p.simulator.setFaults({ createErrors: [1303, 1303] });
    await (await p.startJob(payload)).result();
    // Five failed reads in a row: the alarm's threshold (src/activities/alarms.ts).
    p.simulator.setFaults({ queryErrors: [5000, 5000, 5000, 5000, 5000] });
    await (await p.startJob(payload)).result();
    samples = await eventually(async () => {
      const scraped = parseSamples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
      const outcomes = scraped
        .filter((s) => s.name === metricNames.JOBS_METRIC)
        .reduce((n, s) => n + s.value, 0);
      const alarmed = scraped.some((s) => s.name === metricNames.JOB_ALARMS_METRIC);
      return outcomes === 4 && alarmed ? scraped : undefined;
    }, 'the four jobs and the alarm in the metrics');
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
      for (const { metric, labels } of selectors) {
        const exported = labelsOf.get(metric);
        if (exported === undefined) problems.push(`${panel}: ${metric} is not exported`);
        for (const label of labels)
          if (exported !== undefined && !exported.has(label))
            problems.push(`${panel}: ${metric} has no label ${label}`);
      }
      // A grouping label must exist on some metric of the query (or be one Prometheus adds).
      for (const label of groupingLabels)
        if (!SCRAPE_LABELS.has(label) && !selectors.some(({ metric }) => labelsOf.get(metric)?.has(label)))
          problems.push(`${panel}: no metric of "${expr}" has the label ${label}`);
    }
    expect(problems).toEqual([]);
    // Not vacuous: the dashboard asks for the project's metrics and the SDK's.
    const asked = new Set(queries.flatMap(({ expr }) => namesInQuery(expr).selectors.map((s) => s.metric)));
    expect([...asked].filter((metric) => metric.startsWith('temporal_')).length).toBeGreaterThanOrEqual(5);
    expect([...asked].filter((metric) => metric.startsWith('kling_video_')).length).toBeGreaterThanOrEqual(6);
  });
});
