// `kling-video simulator`: every knob has a documented flag, bad values are usage errors, and the real
// process serves the protocol, applies its flags and stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simulatorCommand } from '../../src/cli/simulator.js';
import { UsageError } from '../../src/cli/command.js';
import { createKlingClient } from '../../src/kling/client.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from '../../src/kling/simulator/simulator.js';
import { defaultKnobs, knobFlags } from '../../src/kling/simulator/knobs.js';
import { bodies } from './support.js';

describe('--help', () => {
  it('documents a flag for every knob, with its default', () => {
    expect(Object.keys(knobFlags).sort()).toEqual(Object.keys(defaultKnobs).sort());
    for (const { flag, help } of Object.values(knobFlags)) {
      expect(simulatorCommand.help).toContain(`--${flag}`);
      expect(simulatorCommand.help).toContain(help);
    }
    for (const flag of [
      'port',
      'host',
      'seed',
      'access-key',
      'secret-key',
      'api-key',
      'webhook-secret',
      'quiet',
    ]) {
      expect(simulatorCommand.help).toContain(`--${flag}`);
    }
    expect(simulatorCommand.help).toContain('/__simulator/faults');
  });

  it("has a row for every knob in the README's table, so the page does not fall behind the flags", async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [knob, { flag }] of Object.entries(knobFlags)) {
      expect(readme).toMatch(new RegExp(`^\\| \`--${flag}\` +\\| \`${knob}\` +\\|`, 'm'));
    }
  });
});

describe('bad flags', () => {
  it.each([
    [['--failure-rate', '2']],
    [['--create-errors', '1303,42']],
    [['--output-resolution', '8k']],
    [['--port', 'eighty']],
    [['--webhook-secret', 'plain-secret']],
    [['--no-such-flag', '1']],
    [['--time-scale', '']],
  ])('%j is a usage error', async (argv) => {
    await expect(simulatorCommand.run(argv)).rejects.toBeInstanceOf(UsageError);
  });
});

describe('the process', () => {
  it('prints its URL and credentials, applies its flags, and exits 0 on SIGTERM', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        'bin/kling-video.js',
        'simulator',
        '--port',
        '0',
        '--seed',
        '5',
        '--quiet',
        '--time-scale',
        '0.001',
        '--create-errors',
        '1303',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await expect.poll(() => output, { timeout: 20_000, interval: 50 }).toContain('Press Ctrl+C to stop.');
      const url = /listening on (http:\/\/\S+) \(seed 5\)/.exec(output)?.[1];
      expect(url).toBeDefined();
      expect(output).toContain(DEFAULT_SIMULATOR_CREDENTIALS.apiKey);
      expect(output).toContain(
        `${DEFAULT_SIMULATOR_CREDENTIALS.accessKey} / ${DEFAULT_SIMULATOR_CREDENTIALS.secretKey}`,
      );

      const client = createKlingClient({
        baseUrl: url!,
        auth: {
          accessKey: DEFAULT_SIMULATOR_CREDENTIALS.accessKey,
          secretKey: DEFAULT_SIMULATOR_CREDENTIALS.secretKey,
        },
      });
      await expect(client.createTask('text2video', bodies.text2video, 'job-cli-1')).rejects.toMatchObject({
        code: 1303,
      });
      const task = await client.createTask('text2video', bodies.text2video, 'job-cli-1');
      expect(task.status).toBe('submitted');
      const counters = (await (await fetch(`${url}/__simulator/counters`)).json()) as {
        tasksCreated: number;
      };
      expect(counters.tasksCreated).toBe(1);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output).toContain('Kling simulator stopped (SIGTERM).');
  });
});
