/** What the simulator saw, for tests and benchmarks (GET `/__simulator/counters`). */
export interface SimulatorCounters {
  /** Route template → HTTP status (or `"dropped"` for a connection destroyed unanswered) → requests. */
  readonly requests: Record<string, Record<string, number>>;
  /** Route template → Kling code → answers. */
  readonly codes: Record<string, Record<string, number>>;
  readonly tasksCreated: number;
  readonly tasksSucceeded: number;
  readonly tasksFailed: number;
  /** Tasks submitted or processing now, and the most seen at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  readonly callbacks: { readonly delivered: number; readonly failed: number; readonly dropped: number };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** The mutable tallies; `inFlight` is read from the tasks themselves when a snapshot is taken. */
export type CounterBook = Omit<Mutable<SimulatorCounters>, 'inFlight'>;

export function createCounters(): CounterBook {
  return {
    requests: {},
    codes: {},
    tasksCreated: 0,
    tasksSucceeded: 0,
    tasksFailed: 0,
    maxInFlight: 0,
    callbacks: { delivered: 0, failed: 0, dropped: 0 },
  };
}

export function countRequest(
  counters: CounterBook,
  route: string,
  outcome: number | 'dropped',
  code?: number,
): void {
  const byStatus = (counters.requests[route] ??= {});
  byStatus[String(outcome)] = (byStatus[String(outcome)] ?? 0) + 1;
  if (code === undefined) return;
  const byCode = (counters.codes[route] ??= {});
  byCode[String(code)] = (byCode[String(code)] ?? 0) + 1;
}
