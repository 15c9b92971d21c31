import type { BillLine } from '../domain/bill-line.js';
import type { OutputVideo } from '../definitions/job.js';
import type { DemoExample } from './demo-examples.js';

/** How one demo job ended. */
export interface DemoOutcome {
  readonly example: DemoExample;
  readonly klingTaskId: string | undefined;
  /** The job's final phase, or why it never ran. */
  readonly status: string;
  readonly video: OutputVideo | undefined;
  readonly bill: BillLine | undefined;
}

const columns = ['job', 'model', 'input type', 'Kling task', 'status', 'video URL', 'cost (USD)'] as const;

export function formatDemoTable(outcomes: readonly DemoOutcome[]): string {
  const rows = outcomes.map((outcome) => [
    outcome.example.name,
    outcome.example.envelope.model,
    outcome.example.envelope.inputType,
    outcome.klingTaskId ?? '-',
    outcome.status,
    outcome.video?.url ?? '-',
    outcome.bill?.costUsd ?? '-',
  ]);
  // Cents are integers, so the total is exact without the decimal library.
  const totalCents = outcomes.reduce((sum, outcome) => sum + (outcome.bill?.amountCents ?? 0), 0);
  const billed = outcomes.filter((outcome) => outcome.bill !== undefined).length;
  const total = `${Math.floor(totalCents / 100)}.${String(totalCents % 100).padStart(2, '0')}`;
  const widths = columns.map((title, index) =>
    Math.max(title.length, total.length, ...rows.map((row) => row[index]?.length ?? 0)),
  );
  const last = columns.length - 1;
  const render = (cells: readonly string[]): string =>
    cells
      .map((cell, index) =>
        index === last ? cell.padStart(widths[index] ?? 0) : cell.padEnd(widths[index] ?? 0),
      )
      .join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const totalLabel = `total: ${billed} of ${outcomes.length} jobs billed`;
  const totalLine = `${totalLabel}${' '.repeat(Math.max(2, rule.length - totalLabel.length - total.length))}${total}`;
  return [render(columns), rule, ...rows.map(render), rule, totalLine].join('\n');
}
