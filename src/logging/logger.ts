import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Human-readable output through pino-pretty, for a terminal. */
  pretty: boolean;
}

/** Credentials never reach the log (STYLE 6). */
const REDACT = ['password', '*.password', '*.*.password', 'postgresUrl', '*.postgresUrl', 'authorization', '*.authorization', 'token', '*.token'];

/** The one root logger; components take `logger.child({ component })`. */
export function createLogger(options: LoggerOptions, destination?: NodeJS.WritableStream): Logger {
  const base = { level: options.level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (options.pretty && !destination) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return destination ? pino(base, destination as pino.DestinationStream) : pino(base);
}
