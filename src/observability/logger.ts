import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = LevelWithSilent;
export const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  level?: LogLevel;
  name?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read them. */
  destination?: NodeJS.WritableStream;
}

/** Structured JSON lines, one per event. Library code takes a Logger; only the CLI makes one. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = { level: options.level ?? 'info', name: options.name ?? 'thoth' };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that writes nothing: the default for library objects built without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
