// How the commands reach Temporal. `kling-video worker` (npm start) starts its dev server on a fixed port, so
// `generate` and `status`, run in another terminal with nothing configured, find it at the same address.
import { createConnection } from 'node:net';
import { Client, Connection, ServiceError } from '@temporalio/client';
import { createJobsClient, type JobsClient } from '../client.js';
import type { TemporalConfig } from '../config.js';
import { UsageError } from './command.js';

export const LOCAL_TEMPORAL_PORT = 7233;
export const LOCAL_TEMPORAL_UI_PORT = 8233;
export const LOCAL_TEMPORAL_ADDRESS = `127.0.0.1:${LOCAL_TEMPORAL_PORT}`;

/** Bounds every Temporal call of a command: a query that no worker answers would otherwise block for 30 s. */
const QUERY_DEADLINE_MS = 3_000;

export interface JobsConnection {
  readonly jobs: JobsClient;
  readonly address: string;
  readonly taskQueue: string;
  /** Runs `fn` with its Temporal calls cut off after a few seconds (a status query, not a long wait). */
  bounded<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** True when something accepts TCP connections on `host:port`. */
export function isListening(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const settle = (listening: boolean): void => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => settle(false));
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
  });
}

function splitAddress(address: string): { host: string; port: number } {
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(address);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new UsageError(`TEMPORAL_ADDRESS must be host:port, got "${address}"`);
  }
  return { host: match[1], port: Number(match[2]) };
}

function noServer(address: string, configured: boolean): UsageError {
  return new UsageError(
    configured
      ? `no Temporal server answers at ${address} (TEMPORAL_ADDRESS): check the address, or unset it to use the one \`npm start\` runs`
      : `no Temporal server at ${address}: run \`npm start\` in another terminal, or set TEMPORAL_ADDRESS`,
  );
}

/** Fails with one line the user can act on when the configured (or local default) server is not there. */
export async function assertTemporalReachable(temporal: TemporalConfig): Promise<void> {
  const address = temporal.address ?? LOCAL_TEMPORAL_ADDRESS;
  const { host, port } = splitAddress(address);
  if (!(await isListening(host, port))) throw noServer(address, temporal.address !== undefined);
}

/**
 * A Temporal call that failed after connecting (the server stopped, the namespace is missing…) as one line,
 * with `hint` saying what still holds; any other error is returned as it is.
 */
export function temporalFailure(address: string, error: unknown, hint = ''): unknown {
  if (!(error instanceof ServiceError)) return error;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return new UsageError(`Temporal at ${address}: ${error.message}${cause}${hint}`);
}

/** Connects to the configured server, or to the one `npm start` runs; never starts a server itself. */
export async function connectJobs(temporal: TemporalConfig): Promise<JobsConnection> {
  const address = temporal.address ?? LOCAL_TEMPORAL_ADDRESS;
  // A refused port fails here at once; the SDK would retry it until its connect timeout.
  await assertTemporalReachable(temporal);
  let connection: Connection;
  try {
    // No gRPC-level retries: a command reports a failed call at once (one line, exit 2), and no retry timer can
    // fire after the command has closed the connection (the SDK's timers cannot be cancelled).
    connection = await Connection.connect({ address, connectTimeout: 5_000, interceptors: [] });
  } catch {
    throw noServer(address, temporal.address !== undefined);
  }
  return {
    jobs: createJobsClient(new Client({ connection, namespace: temporal.namespace }), temporal.taskQueue),
    address,
    taskQueue: temporal.taskQueue,
    bounded: (fn) => connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, fn),
    close: () => connection.close(),
  };
}
