// The compose `metrics` profile (issue 17): Prometheus and Grafana only in that profile, Grafana provisioned from
// deploy/grafana with a datasource that reaches the Prometheus service and a dashboard whose every panel queries it.
// What each panel queries is checked against a real worker's /metrics in test/integration/dashboard.test.ts. Nothing
// here needs a Docker engine.
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import * as metricNames from '../../src/telemetry/metric-names.js';
import { DASHBOARD_PATH, namesInQuery, queryPanels, readDashboard } from '../support/dashboard.js';
import { environmentOf, readCompose } from './compose-file.js';

const compose = readCompose('docker-compose.yml');
const grafana = compose.services.grafana ?? expect.unreachable('no grafana service');
const dashboard = readDashboard();
const datasources = (
  parse(readFileSync('deploy/grafana/provisioning/datasources/prometheus.yml', 'utf8')) as {
    datasources: { uid: string; type: string; url: string }[];
  }
).datasources;
const providers = (
  parse(readFileSync('deploy/grafana/provisioning/dashboards/kling-video.yml', 'utf8')) as {
    providers: { type: string; options: { path: string } }[];
  }
).providers;

/** `./host/path:/container/path:ro` volumes of a service, as { host, container, readOnly }. */
function mounts(volumes: unknown): { host: string; container: string; readOnly: boolean }[] {
  return ((volumes as string[] | undefined) ?? []).map((volume) => {
    const [host = '', container = '', mode] = volume.split(':');
    return { host, container, readOnly: mode === 'ro' };
  });
}

describe('the metrics profile', () => {
  it('runs Prometheus and Grafana only with --profile metrics, Grafana after Prometheus, on loopback ports', () => {
    for (const name of ['prometheus', 'grafana']) {
      expect(compose.services[name]?.profiles, name).toEqual(['metrics']);
      for (const port of compose.services[name]?.ports ?? [])
        expect(String(port), name).toMatch(/^127\.0\.0\.1:/);
    }
    expect(grafana.depends_on).toEqual({ prometheus: { condition: 'service_started' } });
    expect(grafana.healthcheck?.test).toBeDefined();
  });

  it('provisions Grafana from deploy/grafana, read-only, where the provisioning files look', () => {
    const byHost = new Map(mounts(grafana.volumes).map((m) => [posix.normalize(m.host), m]));
    expect(byHost.get('deploy/grafana/provisioning')).toEqual({
      host: './deploy/grafana/provisioning',
      container: '/etc/grafana/provisioning',
      readOnly: true,
    });
    const dashboards = byHost.get('deploy/grafana/dashboards');
    expect(dashboards?.readOnly).toBe(true);
    expect(providers.map((provider) => [provider.type, provider.options.path])).toEqual([
      ['file', dashboards?.container],
    ]);
    // The home dashboard is the provisioned file, by its path inside the container.
    const home = environmentOf(grafana, {}).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(posix.dirname(home)).toBe(dashboards?.container);
    expect(existsSync(posix.join('deploy/grafana/dashboards', posix.basename(home)))).toBe(true);
    expect(posix.basename(home)).toBe(posix.basename(DASHBOARD_PATH));
  });

  it('lets anonymous visitors view only, and takes the admin password from .env', () => {
    const env = environmentOf(grafana, { GRAFANA_ADMIN_PASSWORD: 'grafana-admin-4c1d' });
    expect(env).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_SECURITY_ADMIN_PASSWORD: 'grafana-admin-4c1d',
    });
  });

  it('points the datasource at the Prometheus service and port, under the uid every panel uses', () => {
    expect(datasources).toHaveLength(1);
    const [datasource] = datasources;
    const url = new URL(datasource?.url ?? '');
    expect(datasource?.type).toBe('prometheus');
    expect(compose.services[url.hostname]?.image).toMatch(/^prom\/prometheus:/);
    expect(compose.services[url.hostname]?.ports).toEqual([
      expect.stringMatching(new RegExp(`:${url.port}$`)),
    ]);
    for (const panel of queryPanels(dashboard)) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: datasource?.uid });
      for (const target of panel.targets ?? [])
        expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: datasource?.uid });
    }
  });
});

describe('the dashboard', () => {
  it('has unique panel ids and panels that do not overlap on the 24-column grid', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let dx = 0; dx < w; dx++)
        for (let dy = 0; dy < h; dy++) {
          const cell = `${x + dx},${y + dy}`;
          expect(cells.get(cell), `${panel.title} overlaps`).toBeUndefined();
          cells.set(cell, panel.title);
        }
    }
  });

  it('queries something in every panel, and every metric the project exports somewhere', () => {
    const used = new Set<string>();
    for (const panel of queryPanels(dashboard)) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        const { selectors } = namesInQuery(target.expr);
        expect(selectors.length, target.expr).toBeGreaterThan(0);
        for (const { metric } of selectors) used.add(metric.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    const ours = (Object.values(metricNames) as unknown[]).filter(
      (value): value is string => typeof value === 'string',
    );
    expect(ours.length).toBeGreaterThanOrEqual(5);
    expect(ours.filter((metric) => !used.has(metric))).toEqual([]);
  });

  it('reads metric and label names out of PromQL the way the integration check relies on', () => {
    expect(
      namesInQuery(
        'histogram_quantile(0.95, sum by (le, phase) (rate(kling_video_phase_duration_seconds_bucket[$__rate_interval])))',
      ),
    ).toEqual({
      selectors: [{ metric: 'kling_video_phase_duration_seconds_bucket', labels: [] }],
      groupingLabels: ['le', 'phase'],
    });
    expect(
      namesInQuery(
        'sum by (code) (rate(kling_video_kling_requests_total{code!="0", route=~"POST .*"}[5m])) / on (code) group_left sum(up) * 60',
      ),
    ).toEqual({
      selectors: [
        { metric: 'kling_video_kling_requests_total', labels: ['code', 'route'] },
        { metric: 'up', labels: [] },
      ],
      groupingLabels: ['code', 'code'],
    });
    expect(() => namesInQuery('sum by ($label) (up)')).toThrow(/dashboard variable/);
    expect(() => namesInQuery('{__name__="up"}')).toThrow(/without a metric name/);
  });
});
