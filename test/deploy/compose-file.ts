// The structure rules docker-compose.yml must keep (issue 9), as functions returning the problems they find, so a
// test can show each rule catching a broken copy as well as passing the real file. No Docker engine needed.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const Condition = z.enum(['service_started', 'service_healthy', 'service_completed_successfully']);

const Service = z.looseObject({
  image: z.string().optional(),
  build: z.union([z.string(), z.looseObject({ context: z.string() })]).optional(),
  profiles: z.array(z.string()).optional(),
  container_name: z.string().optional(),
  ports: z.array(z.unknown()).optional(),
  restart: z.string().optional(),
  depends_on: z
    .union([z.array(z.string()), z.record(z.string(), z.looseObject({ condition: Condition }))])
    .optional(),
  healthcheck: z
    .looseObject({
      test: z.union([z.string(), z.array(z.string())]).optional(),
      disable: z.boolean().optional(),
    })
    .optional(),
  environment: z
    .union([
      z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
      z.array(z.string()),
    ])
    .optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  stop_grace_period: z.string().optional(),
});
export type Service = z.infer<typeof Service>;

export const ComposeFile = z.looseObject({
  services: z.record(z.string(), Service),
  volumes: z.record(z.string(), z.unknown()).optional(),
});
export type ComposeFile = z.infer<typeof ComposeFile>;

export function readCompose(path: string): ComposeFile {
  return ComposeFile.parse(parse(readFileSync(path, 'utf8')));
}

/** `${VAR}`, `${VAR:-default}`, `${VAR?error}` … and `$$`, as compose interpolates them. */
const REFERENCE = /\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_]\w*)/g;

/** The variable names a string refers to. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(REFERENCE)].flatMap((m) => {
    const name = m[1] ?? m[4];
    return name === undefined ? [] : [name];
  });
}

/** Compose's interpolation of one value against the `.env` variables; throws where compose would. */
export function interpolate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(REFERENCE, (...match: (string | undefined)[]) => {
    const [whole, braced, op, arg = '', bare] = match;
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    const value = vars[name];
    const nonEmpty = value !== undefined && value !== '';
    switch (op) {
      case undefined:
        return value ?? '';
      case ':-':
        return nonEmpty ? value : arg;
      case '-':
        return value ?? arg;
      case ':?':
      case '?':
        if (op === ':?' ? !nonEmpty : value === undefined) throw new Error(`${name}: ${arg}`);
        return value ?? '';
      case ':+':
        return nonEmpty ? arg : '';
      default:
        return value === undefined ? '' : arg;
    }
  });
}

/** A service's environment as `{ NAME: value }`, values interpolated against `vars`. */
export function environmentOf(
  service: Service,
  vars: Readonly<Record<string, string>>,
): Record<string, string> {
  const raw = service.environment ?? {};
  const entries = Array.isArray(raw)
    ? raw.map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([key = '', value = '']) => [key, interpolate(value, vars)]));
}

export function dependenciesOf(service: Service): Record<string, z.infer<typeof Condition>> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started' as const]));
  return Object.fromEntries(Object.entries(deps).map(([name, { condition }]) => [name, condition]));
}

/** Every service `name` waits for, directly or through others. */
export function startsAfter(compose: ComposeFile, name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (current: string): void => {
    const service = compose.services[current];
    if (service === undefined) return;
    for (const dep of Object.keys(dependenciesOf(service))) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(dep);
    }
  };
  visit(name);
  return seen;
}

export function missingServices(compose: ComposeFile, required: readonly string[]): string[] {
  return required.filter((name) => compose.services[name] === undefined).map((name) => `no service ${name}`);
}

/** Images carry an explicit version: no `latest`, no bare name; a built image gets a local tag. */
export function unpinnedImages(compose: ComposeFile): string[] {
  return Object.entries(compose.services).flatMap(([name, service]) => {
    if (service.image === undefined)
      return service.build === undefined ? [`${name}: neither image nor build`] : [];
    const tag = /^(?:[^/]+\/)*[^/:@]+(?::([^@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(service.image);
    if (tag === null) return [`${name}: unreadable image reference ${service.image}`];
    const version = tag[1];
    if (service.image.includes('@sha256:')) return [];
    if (version === undefined) return [`${name}: image ${service.image} has no tag`];
    if (version === 'latest') return [`${name}: image ${service.image} uses latest`];
    // A registry image must name a version; a locally built one only needs a fixed tag.
    if (service.build === undefined && !/\d/.test(version))
      return [`${name}: image ${service.image} is not a version tag`];
    return [];
  });
}

/** Every `depends_on` target exists, and a health or completion wait has something to wait on. */
export function brokenWaits(compose: ComposeFile): string[] {
  return Object.entries(compose.services).flatMap(([name, service]) =>
    Object.entries(dependenciesOf(service)).flatMap(([dep, condition]) => {
      const target = compose.services[dep];
      if (target === undefined) return [`${name} depends on undefined service ${dep}`];
      const problems: string[] = [];
      if (condition === 'service_healthy') {
        const test = target.healthcheck?.test;
        if (
          target.healthcheck?.disable === true ||
          test === undefined ||
          test.length === 0 ||
          test[0] === 'NONE'
        )
          problems.push(`${name} waits for ${dep} to be healthy, but ${dep} has no health check`);
      }
      if (condition === 'service_completed_successfully' && !['no', undefined].includes(target.restart))
        problems.push(`${name} waits for ${dep} to complete, but ${dep} restarts (${target.restart})`);
      // Compose refuses to start a service whose dependency is switched off by a profile.
      if (target.profiles !== undefined && service.profiles === undefined)
        problems.push(`${name} always starts but depends on ${dep}, which only runs in a profile`);
      return problems;
    }),
  );
}

/** `service` must start only once each of `after` reached `condition`, directly or transitively. */
export function orderProblems(
  compose: ComposeFile,
  rules: readonly { service: string; after: string; condition: z.infer<typeof Condition> }[],
): string[] {
  return rules.flatMap(({ service, after, condition }) => {
    const definition = compose.services[service];
    if (definition === undefined) return [`no service ${service}`];
    const direct = dependenciesOf(definition)[after];
    if (direct === condition) return [];
    // Transitive waits count when they pass through a service that itself waited on the same condition.
    const through = Object.entries(dependenciesOf(definition)).some(
      ([dep, depCondition]) =>
        depCondition !== 'service_started' &&
        orderProblems(compose, [{ service: dep, after, condition }]).length === 0,
    );
    return through ? [] : [`${service} does not wait for ${after} (${condition})`];
  });
}

/** Replicas of a scalable service must not collide on a container name or a host port. */
export function scalingProblems(service: Service, name: string): string[] {
  return [
    ...(service.container_name === undefined ? [] : [`${name} has container_name, so it cannot scale`]),
    ...((service.ports ?? []).length === 0
      ? []
      : [`${name} publishes host ports, so replicas would collide`]),
  ];
}

const SECRET_NAME = /PASSWORD|PWD|SECRET|TOKEN|(^|_)KEY$|API_KEY|ACCESS_KEY/;
/** A reference with no literal fallback: `${VAR}`, `${VAR:?why}`, `${VAR:-}`. */
const BARE_REFERENCE = /^\$\{[A-Za-z_]\w*(?::?\?[^}]*|:?-)?\}$/;

/** Secret-looking values must come from `.env`, never be written in the file. */
export function committedSecrets(compose: ComposeFile): string[] {
  return Object.entries(compose.services).flatMap(([name, service]) => {
    const raw = service.environment ?? {};
    const pairs = Array.isArray(raw)
      ? raw.map((line) => line.split(/=(.*)/s, 2) as [string, string?])
      : Object.entries(raw).map(([key, value]) => [key, value === null ? undefined : String(value)] as const);
    return pairs.flatMap(([key, value]) => {
      if (value === undefined || value === '') return [];
      if (SECRET_NAME.test(key) && !BARE_REFERENCE.test(value))
        return [`${name}: ${key} is not a bare \${…} reference`];
      // Credentials inside a URL, user:password@host: the password part must be a bare reference too.
      const masked = value.replace(/\$\{[^}]*\}/g, (ref) =>
        BARE_REFERENCE.test(ref) ? '<ref>' : '<literal>',
      );
      const password = /:\/\/[^/@]*?:([^@]+)@/.exec(masked)?.[1];
      if (password !== undefined && password !== '<ref>')
        return [`${name}: ${key} has a password written in its URL`];
      return [];
    });
  });
}

/** `.env.example`: `KEY=value` lines that are not comments. */
export function parseEnvFile(text: string): Map<string, string> {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    });
  return new Map(entries);
}

/** The example env file documents placeholders only: a secret-looking variable is left empty. */
export function exampleSecrets(env: ReadonlyMap<string, string>): string[] {
  return [...env]
    .filter(([key, value]) => SECRET_NAME.test(key) && value !== '')
    .map(([key]) => `.env.example sets ${key}`);
}

/** The variables Temporal's server config template reads (`env "NAME"`), and those it cannot do without. */
export function templateVariables(template: string): { read: Set<string>; required: Set<string> } {
  const names = (text: string) => [...text.matchAll(/"([A-Za-z_]\w*)"/g)].map((m) => m[1] ?? '');
  const required = new Set(names(/\$required := list ([^}]*)\}\}/.exec(template)?.[1] ?? ''));
  const read = new Set([...template.matchAll(/env "([A-Za-z_]\w*)"/g)].map((m) => m[1] ?? ''));
  return { read: new Set([...read, ...required]), required };
}

/**
 * The compose `temporal` service runs the shared start script (issue 14) and gives the shared config what it
 * needs: every variable the template requires (the script sets some itself), and nothing neither of them reads.
 */
export function serverServiceProblems(
  service: Service,
  template: string,
  script: string,
  vars: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = [];
  const entrypoint = (service as { entrypoint?: unknown }).entrypoint;
  if (JSON.stringify(entrypoint) !== JSON.stringify(['/bin/sh', '/deploy/temporal-server.sh']))
    problems.push('temporal does not start through /deploy/temporal-server.sh');
  const volumes = (service as { volumes?: unknown }).volumes;
  if (!Array.isArray(volumes) || !volumes.includes('./deploy:/deploy:ro'))
    problems.push('temporal does not mount ./deploy at /deploy');
  const given = environmentOf(service, vars);
  const setByScript = new Set([...script.matchAll(/^\s*export ([A-Za-z_]\w*)/gm)].map((m) => m[1] ?? ''));
  const readByScript = new Set([...script.matchAll(/\$\{([A-Za-z_]\w*)/g)].map((m) => m[1] ?? ''));
  const { read, required } = templateVariables(template);
  for (const name of required)
    if (!setByScript.has(name) && (given[name] ?? '') === '') problems.push(`temporal does not set ${name}`);
  for (const name of Object.keys(given))
    if (!read.has(name) && !readByScript.has(name))
      problems.push(`temporal sets ${name}, which nothing reads`);
  return problems;
}
