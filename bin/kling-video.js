#!/usr/bin/env node
// Launcher for the `kling-video` command: runs the TypeScript sources through tsx, so the command works
// straight after `npm install` in a fresh clone, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
