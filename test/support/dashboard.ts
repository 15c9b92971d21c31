// The Grafana dashboard of deploy/grafana, read as its tests need: the panels, their PromQL, and the metric and label
// names each query uses.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const DASHBOARD_PATH = 'deploy/grafana/dashboards/kling-video.json';

const Target = z.looseObject({ refId: z.string(), expr: z.string().min(1), datasource: z.unknown() });
const Panel = z.looseObject({
  id: z.number().int(),
  type: z.string(),
  title: z.string().min(1),
  datasource: z.unknown().optional(),
  gridPos: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
  targets: z.array(Target).optional(),
  panels: z.array(z.unknown()).optional(),
});
export type Panel = z.infer<typeof Panel>;

export const Dashboard = z.looseObject({ uid: z.string(), title: z.string(), panels: z.array(Panel) });
export type Dashboard = z.infer<typeof Dashboard>;

export function readDashboard(path = DASHBOARD_PATH): Dashboard {
  return Dashboard.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** Panels that query something: rows only group them. */
export function queryPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.filter((panel) => panel.type !== 'row');
}

export interface Selector {
  /** As the worker's /metrics names it, e.g. `kling_video_phase_duration_seconds_bucket`. */
  readonly metric: string;
  /** Label names its matchers test, e.g. `code` in `{code!="0"}`. */
  readonly labels: readonly string[];
}

export interface QueryNames {
  readonly selectors: readonly Selector[];
  /** Label names of `by (…)` / `without (…)` / `on (…)` / `ignoring (…)` / `group_left (…)` clauses. */
  readonly groupingLabels: readonly string[];
}

/** Words PromQL gives a meaning of its own; anything else that is not a call names a metric. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric and label names of one PromQL expression. Grafana's `$__…` variables may stand only in range and
 * offset positions here, which are dropped with the ranges; a dashboard variable anywhere else fails the parse.
 */
export function namesInQuery(expr: string): QueryNames {
  let rest = expr.replace(/\[[^\]]*\]/g, ' ');
  if (rest.includes('$')) throw new Error(`a dashboard variable outside a range: ${expr}`);
  const groupingLabels: string[] = [];
  rest = rest.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_all, _word, list: string) => {
      groupingLabels.push(
        ...list
          .split(',')
          .map((label) => label.trim())
          .filter((label) => label !== ''),
      );
      return ' ';
    },
  );
  const selectors: Selector[] = [];
  rest = rest.replace(
    /([A-Za-z_:][\w:]*)?\s*\{([^}]*)\}/g,
    (_all, metric: string | undefined, matchers: string) => {
      if (metric === undefined) throw new Error(`a selector without a metric name: ${expr}`);
      const labels = [...matchers.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"/g)].map(
        (m) => m[1] ?? '',
      );
      selectors.push({ metric, labels });
      return ' ';
    },
  );
  for (const match of rest.matchAll(/([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    const [, word = '', call] = match;
    if (call !== undefined || KEYWORDS.has(word.toLowerCase())) continue;
    selectors.push({ metric: word, labels: [] });
  }
  return { selectors, groupingLabels };
}
