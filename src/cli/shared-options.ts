import type { Command } from 'commander';
import { loadConfig, type Config, type DeepPartial } from '../config/index.js';

/** Global options every command sees (set on the root program). */
export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

/** Loads the Config for a command: defaults < file < env < the command's flags. */
export function configFor(command: Command, overrides: DeepPartial<Config> = {}): Readonly<Config> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const withLog: DeepPartial<Config> = globals.logLevel ? { ...overrides, log: { ...(overrides.log ?? {}), level: globals.logLevel as Config['log']['level'] } } : overrides;
  return loadConfig({ file: globals.config, env: process.env, overrides: withLog });
}

/** Parses an integer flag, naming the flag in the error. */
export function intOption(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${raw}"`);
    return n;
  };
}

/** Prints a result as JSON (--json) or as text. */
export function printResult(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}
