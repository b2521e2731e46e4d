#!/usr/bin/env node
// Entry point of the `plantwatch` command. The sources are TypeScript run through tsx,
// so `npm install && npm start` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/index.ts');
await runCli(process.argv);
