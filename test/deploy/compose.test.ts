// docker-compose.yml keeps its promises (issue 9, acceptance 1): the cluster's services, pinned images, health
// checks behind every health wait, the start order, a scalable worker, the simulator behind its profile, no
// committed secret, and a worker environment that src/config.ts accepts in production. Each rule is also shown
// failing on a broken copy, so a passing run means something. Nothing here needs a Docker engine.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from '../../src/kling/simulator/simulator.js';
import {
  brokenWaits,
  committedSecrets,
  environmentOf,
  exampleSecrets,
  missingServices,
  orderProblems,
  parseEnvFile,
  readCompose,
  scalingProblems,
  serverServiceProblems,
  startsAfter,
  templateVariables,
  unpinnedImages,
  variablesIn,
  type ComposeFile,
} from './compose-file.js';

const compose = readCompose('docker-compose.yml');
const example = parseEnvFile(readFileSync('.env.example', 'utf8'));
const worker = () => compose.services.worker ?? expect.unreachable('no worker service');
const copy = (): ComposeFile => structuredClone(compose);

const SERVICES = [
  'postgresql',
  'temporal-schema',
  'temporal',
  'temporal-namespace',
  'temporal-ui',
  'worker',
  'kling-simulator',
];

const ORDER = [
  { service: 'temporal-schema', after: 'postgresql', condition: 'service_healthy' },
  { service: 'temporal', after: 'temporal-schema', condition: 'service_completed_successfully' },
  { service: 'temporal', after: 'postgresql', condition: 'service_healthy' },
  { service: 'temporal-namespace', after: 'temporal', condition: 'service_healthy' },
  { service: 'temporal-ui', after: 'temporal', condition: 'service_healthy' },
  { service: 'worker', after: 'temporal-namespace', condition: 'service_completed_successfully' },
  { service: 'worker', after: 'temporal', condition: 'service_healthy' },
  { service: 'worker', after: 'postgresql', condition: 'service_healthy' },
] as const;

/** Values a user would put in .env, chosen so they cannot be mistaken for anything in the files. */
const dotEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
  ...Object.fromEntries(example),
  POSTGRES_PASSWORD: 'pg-superuser-7f3a',
  KLING_DB_PASSWORD: 'kling-db-91c2',
  KLING_ACCESS_KEY: 'ak-test-5d1e',
  KLING_SECRET_KEY: 'sk-test-0b8f',
  ...overrides,
});

describe('services', () => {
  it('runs the whole cluster: database, schema setup, server, namespace setup, UI, worker, simulator', () => {
    expect(missingServices(compose, SERVICES)).toEqual([]);
    expect(missingServices({ services: {} }, ['worker'])).toEqual(['no service worker']);
  });

  it('keeps the databases on a named volume', () => {
    expect(Object.keys(compose.volumes ?? {})).toContain('postgresql-data');
    expect(JSON.stringify(compose.services.postgresql?.volumes)).toContain(
      'postgresql-data:/var/lib/postgresql/data',
    );
  });
});

describe('images', () => {
  it('pins every image to a version', () => {
    expect(unpinnedImages(compose)).toEqual([]);
  });

  it('catches latest, an untagged image and a non-version tag', () => {
    const broken = copy();
    broken.services.temporal!.image = 'temporalio/server:latest';
    broken.services['temporal-ui']!.image = 'temporalio/ui';
    broken.services.postgresql!.image = 'postgres:bookworm';
    expect(unpinnedImages(broken)).toEqual([
      'postgresql: image postgres:bookworm is not a version tag',
      'temporal: image temporalio/server:latest uses latest',
      'temporal-ui: image temporalio/ui has no tag',
    ]);
  });

  it('runs the Temporal server line the project tests against (1.29) with matching admin tools', () => {
    expect(compose.services.temporal?.image).toMatch(/^temporalio\/server:1\.29\.\d+$/);
    for (const name of ['temporal-schema', 'temporal-namespace'])
      expect(compose.services[name]?.image).toMatch(/^temporalio\/admin-tools:1\.29\.\d+/);
  });
});

describe('start order', () => {
  it('waits on health checks and one-shot completions, in the order the cluster needs', () => {
    expect(brokenWaits(compose)).toEqual([]);
    expect(orderProblems(compose, ORDER)).toEqual([]);
  });

  it('brings up every service after PostgreSQL, and the worker after everything Temporal needs', () => {
    expect(startsAfter(compose, 'worker')).toEqual(
      new Set(['postgresql', 'temporal-schema', 'temporal', 'temporal-namespace']),
    );
    for (const name of ['temporal-schema', 'temporal', 'temporal-namespace', 'temporal-ui', 'worker'])
      expect(startsAfter(compose, name).has('postgresql'), name).toBe(true);
    expect(startsAfter(compose, 'postgresql').size).toBe(0);
  });

  it('catches a wait on a service without a health check', () => {
    const broken = copy();
    delete broken.services.postgresql!.healthcheck;
    expect(brokenWaits(broken)).toContain(
      'temporal-schema waits for postgresql to be healthy, but postgresql has no health check',
    );
  });

  it('catches a server that no longer waits for its schema', () => {
    const broken = copy();
    broken.services.temporal!.depends_on = { postgresql: { condition: 'service_healthy' } };
    expect(orderProblems(broken, ORDER)).toEqual([
      'temporal does not wait for temporal-schema (service_completed_successfully)',
    ]);
  });

  it('catches a worker that starts before the namespace exists', () => {
    const broken = copy();
    broken.services.worker!.depends_on = { temporal: { condition: 'service_started' } };
    expect(orderProblems(broken, ORDER)).toEqual([
      'worker does not wait for temporal-namespace (service_completed_successfully)',
      'worker does not wait for temporal (service_healthy)',
      'worker does not wait for postgresql (service_healthy)',
    ]);
  });

  it('catches a one-shot that restarts forever, which a completion wait would never see', () => {
    const broken = copy();
    broken.services['temporal-namespace']!.restart = 'always';
    expect(brokenWaits(broken)).toEqual([
      'worker waits for temporal-namespace to complete, but temporal-namespace restarts (always)',
    ]);
  });
});

describe('the worker', () => {
  it('scales with --scale worker=N: no container name, no host port', () => {
    expect(scalingProblems(worker(), 'worker')).toEqual([]);
    expect(
      scalingProblems({ ...worker(), container_name: 'worker', ports: ['9464:9464'] }, 'worker'),
    ).toEqual([
      'worker has container_name, so it cannot scale',
      'worker publishes host ports, so replicas would collide',
    ]);
  });

  it('is built from the Dockerfile and gets more stop time than its shutdown grace', () => {
    expect(worker().build).toBe('.');
    const grace = Number(environmentOf(worker(), dotEnv()).SHUTDOWN_GRACE_SECONDS);
    expect(Number(/^(\d+)s$/.exec(worker().stop_grace_period ?? '')?.[1])).toBeGreaterThan(grace);
  });

  it('gets an environment that src/config.ts accepts in production, with real credentials', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...environmentOf(worker(), dotEnv()) });
    expect(config.production).toBe(true);
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.temporal.namespace).toBe(
      environmentOf(compose.services['temporal-namespace']!, dotEnv()).TEMPORAL_NAMESPACE,
    );
    expect(new URL(config.store.databaseUrl ?? '').host).toBe('postgresql:5432');
    expect(config.kling).toMatchObject({
      kind: 'api',
      credentials: { accessKey: 'ak-test-5d1e', secretKey: 'sk-test-0b8f' },
    });
    expect(config.secrets).toEqual(expect.arrayContaining(['ak-test-5d1e', 'sk-test-0b8f', 'kling-db-91c2']));
  });

  it("reaches the simulator with the trial block of .env.example, using the simulator's own keys", () => {
    const text = readFileSync('.env.example', 'utf8');
    const block = text.slice(text.indexOf('Credential-free trial')).split('\n\n')[0] ?? '';
    const trial = new Map(
      [...block.matchAll(/^# ([A-Z_]+)=(\S+)$/gm)].map(([, key = '', value = '']) => [key, value] as const),
    );
    expect(trial.get('COMPOSE_PROFILES')).toBe('simulator');
    const config = loadConfig({
      NODE_ENV: 'production',
      ...environmentOf(worker(), dotEnv(Object.fromEntries(trial))),
    });
    if (config.kling.kind !== 'api') expect.unreachable('the trial must configure the Kling API client');
    expect(config.kling.credentials).toEqual({
      accessKey: DEFAULT_SIMULATOR_CREDENTIALS.accessKey,
      secretKey: DEFAULT_SIMULATOR_CREDENTIALS.secretKey,
    });
    const url = new URL(config.kling.baseUrl);
    const simulator = compose.services[url.hostname];
    expect(simulator?.profiles).toEqual(['simulator']);
    expect(simulator?.command).toEqual([
      'node',
      'dist/cli.js',
      'simulator',
      '--host',
      '0.0.0.0',
      '--port',
      url.port,
    ]);
  });

  it('is only given variables that src/config.ts reads (a misspelt one would be silently ignored)', () => {
    const configSource = readFileSync('src/config.ts', 'utf8');
    const unknown = Object.keys(environmentOf(worker(), dotEnv())).filter(
      (name) => !new RegExp(`^\\s+${name}:`, 'm').test(configSource),
    );
    expect(unknown).toEqual([]);
  });

  it('refuses to start without the database password instead of running with an empty one', () => {
    expect(() => environmentOf(worker(), dotEnv({ KLING_DB_PASSWORD: '' }))).toThrow(/KLING_DB_PASSWORD/);
  });
});

describe('the Temporal server', () => {
  const template = readFileSync('deploy/temporal-server.yaml', 'utf8');
  const script = readFileSync('deploy/temporal-server.sh', 'utf8');
  const temporal = () => compose.services.temporal ?? expect.unreachable('no temporal service');

  it('starts from the config, script and dynamic config the cluster suite runs for real (npm run test:cluster)', () => {
    expect(serverServiceProblems(temporal(), template, script, dotEnv())).toEqual([]);
    expect(
      template
        .split('\n')
        .slice(0, 5)
        .some((line) => /^#.*enable-template/.test(line)),
    ).toBe(true);
    expect(script).toContain('temporal-dynamicconfig.yaml');
  });

  it('reads its database settings and ports from the environment, requiring the database host and user', () => {
    const { read, required } = templateVariables(template);
    expect([...required].sort()).toEqual(['DYNAMIC_CONFIG_FILE_PATH', 'POSTGRES_SEEDS', 'POSTGRES_USER']);
    for (const service of ['FRONTEND', 'HISTORY', 'MATCHING', 'WORKER'])
      for (const port of ['GRPC', 'MEMBERSHIP']) expect(read.has(`${service}_${port}_PORT`)).toBe(true);
  });

  it('catches the image default entrypoint, a missing mount, a missing database host and a misspelt variable', () => {
    const broken = copy();
    const service = broken.services.temporal! as Record<string, unknown>;
    delete service.entrypoint;
    service.volumes = [];
    service.environment = {
      ...(service.environment as object),
      POSTGRES_SEEDS: '',
      POSTGRES_SEED: 'postgresql',
    };
    expect(serverServiceProblems(broken.services.temporal!, template, script, dotEnv())).toEqual([
      'temporal does not start through /deploy/temporal-server.sh',
      'temporal does not mount ./deploy at /deploy',
      'temporal does not set POSTGRES_SEEDS',
      'temporal sets POSTGRES_SEED, which nothing reads',
    ]);
  });
});

describe('the simulator', () => {
  it('runs only with --profile simulator, from the worker image, and nothing always-on depends on it', () => {
    const simulator = compose.services['kling-simulator'];
    expect(simulator?.profiles).toEqual(['simulator']);
    expect(simulator?.image).toBe(worker().image);
    expect(simulator?.healthcheck?.test).toBeDefined();
    const broken = copy();
    broken.services.worker!.depends_on = {
      ...(broken.services.worker!.depends_on as object),
      'kling-simulator': { condition: 'service_healthy' },
    };
    expect(brokenWaits(broken)).toEqual([
      'worker always starts but depends on kling-simulator, which only runs in a profile',
    ]);
  });
});

describe('secrets', () => {
  it('takes every secret from .env: no password, key or credential URL is written in the file', () => {
    expect(committedSecrets(compose)).toEqual([]);
  });

  it('catches a literal password, a default that hides one, and a password inside a URL', () => {
    const broken = copy();
    broken.services.postgresql!.environment = { POSTGRES_PASSWORD: 'temporal' };
    broken.services.temporal!.environment = { POSTGRES_PWD: '${POSTGRES_PASSWORD:-temporal}' };
    broken.services.worker!.environment = {
      DATABASE_URL: 'postgres://kling:hunter2@postgresql:5432/kling_video',
    };
    expect(committedSecrets(broken)).toEqual([
      'postgresql: POSTGRES_PASSWORD is not a bare ${…} reference',
      'temporal: POSTGRES_PWD is not a bare ${…} reference',
      'worker: DATABASE_URL has a password written in its URL',
    ]);
  });

  it('commits an .env.example with empty secrets that documents every variable the file uses', () => {
    expect(exampleSecrets(example)).toEqual([]);
    expect(exampleSecrets(new Map([['KLING_SECRET_KEY', 'abc']]))).toEqual([
      '.env.example sets KLING_SECRET_KEY',
    ]);
    const used = new Set(variablesIn(readFileSync('docker-compose.yml', 'utf8').replace(/^\s*#.*$/gm, '')));
    expect([...used].filter((name) => !example.has(name))).toEqual([]);
  });

  it('keeps .env out of git and out of the image build context', () => {
    expect(readFileSync('.gitignore', 'utf8').split('\n')).toContain('.env');
    expect(readFileSync('.dockerignore', 'utf8').split('\n')).toContain('.env');
  });
});
