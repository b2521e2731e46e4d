import type { Command } from 'commander';
import { envVarNames } from '../../config/index.js';
import { configFor, printResult } from '../shared-options.js';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('print the resolved configuration (defaults < file < PLANTWATCH_* env < flags)')
    .option('--json', 'print JSON')
    .option('--env', 'list the PLANTWATCH_* environment variables instead')
    .action(function (this: Command, opts: { json?: boolean; env?: boolean }) {
      if (opts.env) {
        const vars = envVarNames().map((v) => ({ name: v.name, key: v.path.join('.'), default: v.example }));
        printResult(!!opts.json, vars, () => vars.map((v) => `${v.name.padEnd(42)} ${v.key} (default ${JSON.stringify(v.default)})`).join('\n'));
        return;
      }
      const config = configFor(this);
      const shown = { ...config, mqtt: { ...config.mqtt, password: config.mqtt.password ? '[redacted]' : null } };
      printResult(!!opts.json, shown, () => JSON.stringify(shown, null, 2));
    });
}
