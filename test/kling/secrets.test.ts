// Neither the secret key, the API key nor any token the client sent may appear in a thrown error (message,
// stack, serialized or inspected form), in an onRequest event, or in a line the simulator logs.
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createKlingClient,
  type KlingClientOptions,
  type KlingRequestEvent,
} from '../../src/kling/client.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { bodies, FAST } from './support.js';

const SECRET_KEY = 'sk-live-9f8e7d6c5b4a-never-print-me';
const API_KEY = 'ak-live-1a2b3c4d5e6f-never-print-me';

let simulator: Simulator;
const logLines: string[] = [];
const tokens = new Set<string>();
const events: KlingRequestEvent[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  simulator = await startSimulator({
    ...FAST,
    seed: 5,
    accessKey: 'access-key-1',
    secretKey: SECRET_KEY,
    apiKey: API_KEY,
    log: (line) => logLines.push(line),
  });
});
afterAll(() => simulator.close());

/** A client whose every request is recorded, so the test knows each token it must not find. */
function client(overrides: Partial<KlingClientOptions> = {}) {
  const inner = overrides.fetch ?? fetch;
  return createKlingClient({
    baseUrl: simulator.url,
    auth: { accessKey: 'access-key-1', secretKey: SECRET_KEY },
    onRequest: (event) => events.push(event),
    ...overrides,
    fetch: (input, init) => {
      tokens.add((new Headers(init?.headers).get('authorization') ?? '').replace(/^Bearer /, ''));
      return inner(input, init);
    },
  });
}

async function collect(attempt: Promise<unknown>): Promise<void> {
  try {
    await attempt;
  } catch (error) {
    errors.push(error);
    return;
  }
  throw new Error('expected the call to fail');
}

it('no secret or token in any error, event or log line, across every failure path', async () => {
  // Signed with the wrong secret → 1000.
  await collect(
    createKlingClient({
      baseUrl: simulator.url,
      auth: { accessKey: 'access-key-1', secretKey: `${SECRET_KEY}-wrong` },
      fetch: (input, init) => {
        tokens.add((new Headers(init?.headers).get('authorization') ?? '').replace(/^Bearer /, ''));
        return fetch(input, init);
      },
    }).getTask('text2video', '1'),
  );
  // Expired tokens, re-signed once → fatal 1004.
  await collect(client({ now: () => Date.now() - 3_600_000 }).getTask('text2video', '1'));
  // A wrong API key → 1000, and the right one with an injected refusal.
  await collect(client({ auth: { apiKey: `${API_KEY}-wrong` } }).getTask('text2video', '1'));
  simulator.setFaults({ createErrors: [1301] });
  await collect(client({ auth: { apiKey: API_KEY } }).createTask('text2video', bodies.text2video, 'job-s-1'));
  // Injected errors, a dropped connection, a timeout, a validation failure.
  simulator.setFaults({ createErrors: [1303, 5002] });
  await collect(client().createTask('text2video', bodies.text2video, 'job-s-2'));
  await collect(client().submitTask('text2video', bodies.text2video, 'job-s-3'));
  simulator.setFaults({ dropCreates: 1 });
  await collect(client().createTask('text2video', bodies.text2video, 'job-s-4'));
  simulator.setFaults({ latencyMs: 300 });
  await collect(client({ timeoutMs: 50 }).getTask('text2video', '1'));
  simulator.setFaults({ latencyMs: 0 });
  await collect(client().createTask('text2video', { ...bodies.text2video, duration: '99' }, 'job-s-5'));
  // A hostile or broken gateway that echoes the Authorization header back in its message.
  await collect(
    client({
      fetch: (_input, init) => {
        const authorization = new Headers(init?.headers).get('authorization') ?? '';
        const body = { code: 1000, message: `rejected header ${authorization}`, request_id: 'r-1' };
        return Promise.resolve(new Response(JSON.stringify(body), { status: 401 }));
      },
    }).getTask('text2video', '1'),
  );

  expect(errors).toHaveLength(10);
  expect(tokens.size).toBeGreaterThanOrEqual(4);
  const secrets = [SECRET_KEY, API_KEY, `${API_KEY}-wrong`, ...tokens].filter((secret) => secret !== '');
  const texts = [
    ...errors.flatMap((error) => {
      const { message, stack } = error as Error;
      return [message, stack ?? '', String(error), JSON.stringify(error), inspect(error, { depth: 5 })];
    }),
    ...events.map((event) => JSON.stringify(event)),
    ...logLines,
  ];
  expect(texts.length).toBeGreaterThan(50);
  for (const text of texts) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
  // The echoed header reached the message, redacted.
  expect((errors.at(-1) as Error).message).toContain('rejected header Bearer [redacted]');
});
