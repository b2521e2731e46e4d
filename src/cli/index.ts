import { Command, CommanderError } from 'commander';
import { AppError } from '../domain/index.js';
import { registerConfigCommand } from './commands/config.js';
import { registerStartCommand } from './commands/start.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerImportCommand } from './commands/import.js';
import { registerTrainCommand } from './commands/train.js';
import { registerWhatifCommand } from './commands/whatif.js';
import { registerFiguresCommand } from './commands/figures.js';
import { registerBackupCommand } from './commands/backup.js';
import { registerUserCommand } from './commands/user.js';
import { registerWorkerCommand } from './commands/worker.js';

/**
 * The `plantwatch` command. The only place that reads argv or exits (STYLE 1).
 * Each subcommand lives in `commands/<name>.ts` and registers itself here.
 */
export function buildProgram(): Command {
  const program = new Command('plantwatch')
    .description('Real-time anomaly detection and automated response for industrial plants')
    .version('0.1.0')
    .option('-c, --config <file>', 'JSON config file (also PLANTWATCH_CONFIG)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .showHelpAfterError()
    .exitOverride();
  registerStartCommand(program);
  registerWorkerCommand(program);
  registerConfigCommand(program);
  registerEvaluateCommand(program);
  registerSimulateCommand(program);
  registerImportCommand(program);
  registerTrainCommand(program);
  registerWhatifCommand(program);
  registerFiguresCommand(program);
  registerBackupCommand(program);
  registerUserCommand(program);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof AppError) {
      process.stderr.write(`plantwatch: ${err.code}: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`plantwatch: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
