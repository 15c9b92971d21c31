// The worker image keeps its promises (issue 9, acceptance 1): multi-stage on a pinned glibc base, the workflow
// bundle pre-built by `npm run build`, an unprivileged user, `node dist/worker.js` in exec form so SIGTERM
// reaches Node. Each rule is also shown failing on a broken copy. No Docker engine needed.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  baseImageProblems,
  buildProblems,
  parseDockerfile,
  runtimeProblems,
  type Stage,
} from './dockerfile.js';

const text = readFileSync('Dockerfile', 'utf8');
const stages = parseDockerfile(text);
const broken = (from: string | RegExp, to: string): Stage[] => {
  const changed = text.replace(from, to);
  expect(changed, `${String(from)} must occur in the Dockerfile`).not.toBe(text);
  return parseDockerfile(changed);
};

describe('base images', () => {
  it('is multi-stage on a pinned Debian (glibc) Node 20 base', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(baseImageProblems(stages)).toEqual([]);
    for (const stage of stages) expect(stage.image).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/);
  });

  it('catches Alpine, latest and a single stage', () => {
    expect(
      baseImageProblems(broken(/node:20[^ \n]*-bookworm-slim AS runtime/, 'node:20-alpine AS runtime')),
    ).toEqual(['node:20-alpine: Alpine (musl), not glibc']);
    expect(
      baseImageProblems(broken(/node:20[^ \n]*-bookworm-slim AS build/, 'node:latest AS build')),
    ).toEqual(['node:latest: not pinned to a version tag']);
    expect(baseImageProblems(parseDockerfile('FROM node:20.20.2-bookworm-slim\nCMD ["node"]'))).toEqual([
      'not multi-stage: the build tools would ship in the image',
    ]);
  });
});

describe('the runtime stage', () => {
  it('runs node dist/worker.js in exec form, as a non-root user, in production with the pre-built bundle', () => {
    expect(runtimeProblems(stages)).toEqual([]);
  });

  it('catches root, a shell-form CMD, and a missing production setting', () => {
    expect(runtimeProblems(broken('USER node', 'USER root'))).toEqual(['runs as root']);
    expect(runtimeProblems(broken(/CMD \[.*\]/, 'CMD node dist/worker.js'))).toEqual([
      'CMD is not in exec form, so signals would not reach node',
    ]);
    expect(runtimeProblems(broken('NODE_ENV=production', 'NODE_ENV=development'))).toEqual([
      'NODE_ENV is not production',
    ]);
    expect(
      runtimeProblems(broken(/WORKFLOW_BUNDLE_PATH=\S+/, 'WORKFLOW_BUNDLE_PATH=/tmp/bundle.js')),
    ).toEqual(['WORKFLOW_BUNDLE_PATH (/tmp/bundle.js) is not the pre-built bundle under /app']);
  });
});

describe('the build stage', () => {
  it('installs from the lockfile, runs npm run build, prunes dev dependencies and ships only the results', () => {
    expect(buildProblems(stages)).toEqual([]);
  });

  it('catches a final stage that does not take dist/ from the build', () => {
    expect(buildProblems(broken('COPY --from=build /app/dist/ dist/', 'COPY src/ src/'))).toEqual([
      'the final stage does not copy dist from the build stage',
    ]);
    expect(buildProblems(broken(/RUN npm run build[^\n]*\n[^\n]*\n/, 'RUN true\n'))).toEqual([
      'the build stage does not run npm run build',
      'dev dependencies are not pruned',
    ]);
  });

  it('has the files it copies in the build context (present, not excluded by .dockerignore)', () => {
    const ignored = readFileSync('.dockerignore', 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
    const sources = stages
      .flatMap((stage) => stage.instructions)
      .filter((entry) => entry.keyword === 'COPY' && !entry.args.startsWith('--from='))
      .flatMap((entry) => entry.args.split(/\s+/).slice(0, -1));
    expect(sources).toContain('src/');
    for (const source of sources) {
      expect(existsSync(source), source).toBe(true);
      const top = source.split('/')[0];
      expect(
        ignored.filter((pattern) => pattern === top || pattern === source),
        source,
      ).toEqual([]);
    }
  });

  it('npm run build compiles src/ alone into dist/ (dist/worker.js) and writes the workflow bundle', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts.build).toBe('tsc -p tsconfig.build.json && tsx scripts/bundle-workflows.ts');
    const { config } = ts.readConfigFile('tsconfig.build.json', (path) => ts.sys.readFile(path)) as {
      config: unknown;
    };
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, resolve('.'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.options.noEmit).toBe(false);
    expect(parsed.options.outDir).toBe(resolve('dist'));
    expect(parsed.options.rootDir).toBe(resolve('src'));
    expect(parsed.fileNames.filter((file) => !file.startsWith(resolve('src')))).toEqual([]);
    expect(parsed.fileNames).toContain(resolve('src/worker.ts'));
    const bundler = readFileSync('scripts/bundle-workflows.ts', 'utf8');
    expect(bundler).toContain("'../src/workflows/index.ts'");
    expect(bundler).toContain("'../dist/workflow-bundle.js'");
  });
});
