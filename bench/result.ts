// The measured outcome of one configuration, as written to the JSON result file and rendered in RESULTS.md.
import type { RequestKinds } from './kling-record.js';
import type { Configuration } from './options.js';
import type { Distribution } from './stats.js';

export interface InFlightSample {
  /** Seconds since the first start. */
  readonly atSeconds: number;
  /** Jobs started and not yet closed (as far as the server's visibility store knew). */
  readonly inFlight: number;
  readonly rssBytes: number;
}

export interface ConfigurationResult {
  readonly configuration: Configuration;
  /** Jobs whose workflow completed (succeeded); every other ending counts as failed. */
  readonly completed: number;
  readonly failed: number;
  /** First start to last close, seconds. */
  readonly wallSeconds: number;
  /** Closed jobs per wall-clock second over `wallSeconds`. */
  readonly throughput: number;
  /** The worker process' CPU (all threads) from just before the first start to the last close, per job. */
  readonly workerCpuMsPerJob: number;
  /** The Temporal dev server's CPU over the same window, per job; `undefined` when it could not be read. */
  readonly serverCpuMsPerJob: number | undefined;
  /** Simulator terminal transition → workflow close, milliseconds. */
  readonly overheadMs: Distribution;
  /**
   * Workflow start → Kling task created, milliseconds: the wait before the generation, where the overhead is the
   * wait after it. Absent in results recorded before 2026-12-02T17:40.
   */
  readonly submitDelayMs?: Distribution;
  /** Route → requests the simulator answered, per job (any status), over the whole configuration. */
  readonly klingRequestsPerJob: Readonly<Record<string, number>>;
  /** Route → HTTP status → count, for answers other than 200. */
  readonly klingErrors: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The worker's Kling client, first start to last close: requests per job by its route template… */
  readonly klingClientRequestsPerJob: Readonly<Record<string, number>>;
  /** …and by what they were for (status reads by id or in batches, creates, lookups by external id). */
  readonly klingRequestKindsPerJob: RequestKinds;
  /** Each job's own history. */
  readonly historyEvents: Distribution;
  readonly historyBytes: Distribution;
  readonly workflowTasks: Distribution;
  readonly workflowTaskFailures: Distribution;
  /** The design's shared workflows on the task queue (a sweep and its continued runs): totals, not per job. */
  readonly shared: {
    readonly runs: number;
    readonly workflowTypes: readonly string[];
    readonly events: number;
    readonly bytes: number;
    readonly workflowTasks: number;
    readonly workflowTaskFailures: number;
  };
  /** What the run left: jobs with exactly one Kling task, jobs with a bill line, job rows `succeeded`. */
  readonly audit: { readonly oneTask: number; readonly billed: number; readonly succeeded: number };
  readonly worker: {
    /** Resident set once the worker was ready and idle, after collecting its start-up garbage. */
    readonly baselineRssBytes: number;
    /** The kernel's high-water mark of the resident set since that baseline. */
    readonly peakRssBytes: number;
    readonly maxInFlight: number;
    /** Tasks Kling (the simulator) had submitted or processing at once, at most. */
    readonly maxKlingInFlight: number;
    readonly samples: readonly InFlightSample[];
  };
  /** 1-minute load average before and after: other work on the machine shows here. */
  readonly loadAverage: { readonly before: number; readonly after: number };
  /**
   * How long the run waited for a quiet machine before its baseline, and the cores busy in the last second of it
   * (bench/machine.ts). Absent in results recorded before 2026-12-02T17:00.
   */
  readonly quietStart?: { readonly waitedMs: number; readonly busyCores: number };
}

export interface FailedConfiguration {
  readonly configuration: Configuration;
  readonly error: string;
}

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
}

export interface RunResult {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly commit: string;
  readonly command: string;
  /** Where the job store lived: PGlite inside the worker process, or PostgreSQL (DATABASE_URL) outside it. */
  readonly store: 'PGlite' | 'PostgreSQL';
  readonly results: readonly (ConfigurationResult | FailedConfiguration)[];
}
