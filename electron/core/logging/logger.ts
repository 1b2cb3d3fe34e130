import { join } from 'node:path';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { systemClock, type Clock } from '../service/clock.js';
import { DailyLogFile } from './daily-log-file.js';
import { REDACTED, scrubLine, secretRedactPaths } from './redact.js';

export type { Logger } from 'pino';

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export type LogLevel = LevelWithSilent;

export const DEFAULT_RETAIN_DAYS = 30;
const MAX_RETAIN_DAYS = 3650;

/** Where lines are echoed besides the file: process.stdout, or anything with `write`. */
export interface LineWriter {
  write(line: string): unknown;
}

export interface LoggerOptions {
  /** Tidemark's data folder; logs go to `<dataDir>/logs/`. */
  dataDir: string;
  /** Default `info`. Change it later through `logger.level`. */
  level?: LogLevel;
  /** Also echo every (redacted) line to stdout, or to the given writer. */
  stdout?: boolean | LineWriter;
  /**
   * The secret values known right now (passwords, keys, tokens), asked for on every line so a
   * secret added while running is covered from its first use. Keep it cheap: an in-memory list.
   */
  secrets: () => Iterable<string>;
  /** Timestamps and the day a line belongs to come from it. Default: the system clock. */
  clock?: Clock;
  /** Days of log files kept, today included. Default 30. */
  retainDays?: number;
  /** Told when the log cannot be written; default: one line on stderr per run of failures. */
  onError?: (err: Error) => void;
}

export interface TidemarkLogger {
  /** The root logger; hand `logger.child({ component })` to each part of the service. */
  logger: Logger;
  /** `<dataDir>/logs`. */
  dir: string;
  /** The file the last line went to (undefined before the first line). */
  currentFile(): string | undefined;
  /**
   * Flushes and closes the file. Lines logged afterwards are still appended (one open per line),
   * so a late callback is never lost.
   */
  close(): Promise<void>;
}

/**
 * The service's one structured logger: JSON lines in `<dataDir>/logs/tidemark-YYYY-MM-DD.log`,
 * one file per local day, old days removed, secrets redacted before anything is written.
 *
 * Redaction happens in the logger itself, not in callers: pino's path redaction replaces values
 * under secret-looking keys (before serialization, so `%j`-interpolated objects too), and every
 * finished line is scrubbed again — secret-looking keys at any depth and in any case, the
 * current secret values wherever they occur (message, error stacks, escaped forms), and
 * credentials in URLs — before it reaches the file or stdout.
 */
export function createLogger(opts: LoggerOptions): TidemarkLogger {
  const level = opts.level ?? 'info';
  if (!LOG_LEVELS.includes(level)) throw new Error(`level: '${String(level)}' is not a log level (one of ${LOG_LEVELS.join(', ')})`);
  const retainDays = opts.retainDays ?? DEFAULT_RETAIN_DAYS;
  if (!Number.isInteger(retainDays) || retainDays < 1 || retainDays > MAX_RETAIN_DAYS) {
    throw new Error(`retainDays: must be a whole number of days from 1 to ${MAX_RETAIN_DAYS} (got ${String(retainDays)})`);
  }
  if (typeof opts.secrets !== 'function') throw new Error('secrets: give a function returning the current secret values');
  const clock = opts.clock ?? systemClock;
  const onError = opts.onError ?? stderrReporter();
  const dir = join(opts.dataDir, 'logs');

  let file: DailyLogFile;
  try {
    file = new DailyLogFile({ dir, retainDays, onError });
  } catch (err) {
    throw new Error(`cannot create the log folder ${dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  // Old files go at startup too, not only when a day changes while running.
  file.prune(clock.now());

  let echo: LineWriter | undefined = opts.stdout === true ? process.stdout : opts.stdout === false ? undefined : opts.stdout;
  // A stdout whose reader went away (EPIPE, e.g. `tidemark … | head`) reports it as an 'error'
  // event, which would crash the process unheard; stop echoing and keep the file log.
  const onStdoutError = (err: Error): void => {
    echo = undefined;
    onError(new Error(`stdout: ${err.message}; lines go to the log file only`, { cause: err }));
  };
  if (opts.stdout === true) process.stdout.once('error', onStdoutError);

  const destination = {
    write(line: string): void {
      file.write(line, lineTime(line) ?? clock.now());
      if (echo) {
        try {
          echo.write(line);
        } catch (err) {
          // A closed stdout (EPIPE) must not stop the file log.
          onError(err instanceof Error ? err : new Error(String(err)));
        }
      }
    },
  };

  const logger = pino(
    {
      level,
      timestamp: () => `,"time":${clock.now()}`,
      redact: { paths: secretRedactPaths(), censor: REDACTED },
      // pino serializes Errors only under `err`; `error` is the other key people reach for, and an
      // Error stringified as {} would lose the message.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      hooks: {
        streamWrite(line: string): string {
          try {
            return scrubLine(line, opts.secrets());
          } catch (err) {
            // Without the secret list the line cannot be shown safely; say so instead of dropping it.
            return JSON.stringify({ level: 50, time: clock.now(), msg: `a log line was withheld: the secret list could not be read (${err instanceof Error ? err.message : String(err)})` }) + '\n';
          }
        },
      },
    },
    destination,
  );

  let closing: Promise<void> | undefined;
  return {
    logger,
    dir,
    currentFile: () => file.currentPath,
    close(): Promise<void> {
      closing ??= (async () => {
        file.close();
        await drained(echo);
        if (opts.stdout === true) {
          // Late lines still reach the file; stdout may be gone by then, with nobody listening.
          process.stdout.off('error', onStdoutError);
          echo = undefined;
        }
      })();
      return closing;
    },
  };
}

/** A logger that discards everything, for tests and embedders without a data folder. */
export function silentLogger(): Logger {
  return pino({ level: 'silent', enabled: false });
}

/** The `time` pino wrote into the line, so the line lands in the file of its own day. */
function lineTime(line: string): number | undefined {
  const m = /"time":(\d+)/.exec(line.slice(0, 64));
  return m ? Number(m[1]) : undefined;
}

async function drained(w: LineWriter | undefined): Promise<void> {
  const stream = w as (LineWriter & { writableNeedDrain?: boolean; once?: (e: string, f: () => void) => unknown }) | undefined;
  if (!stream?.writableNeedDrain || typeof stream.once !== 'function') return;
  await new Promise<void>((resolve) => {
    stream.once!('drain', resolve);
    stream.once!('close', resolve);
    stream.once!('error', resolve);
  });
}

function stderrReporter(): (err: Error) => void {
  return (err) => {
    try {
      process.stderr.write(`tidemark: cannot write the log: ${err.message}\n`);
    } catch {
      // stderr is gone too; nothing left to tell.
    }
  };
}
