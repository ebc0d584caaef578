import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { parseSince } from '../args.ts';
import type { ApiClient } from '../api.ts';
import { UnreachableError } from '../errors.ts';
import { writeNote, writeOut, type OutputFormat } from '../output.ts';
import { eventLine } from '../views.ts';
import { contextOf, outputOption } from './kit.ts';

const EXAMPLES = `
Examples:
  $ commando events --since 10m
  $ commando events --since 1200 --follow -o json`;

interface EventsOptions {
  since?: string;
  follow?: boolean;
}

/** Formats one `{seq, event}` line: a line for people, NDJSON or a YAML document. */
function formatEvent(format: OutputFormat, line: unknown): string {
  if (format === 'json') return JSON.stringify(line);
  if (format === 'yaml') return `---\n${stringify(line)}`;
  return eventLine(line);
}

/**
 * Runs `work` until it ends or the user stops it with Ctrl-C or SIGTERM;
 * being stopped is the way a `--follow` ends, so it is a success.
 */
async function untilSignal(work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await work(controller.signal);
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `events`: the fleet's CloudEvents from the stream, optionally followed. */
export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('print the events of the fleet, oldest first')
    .option(
      '--since <seq|time|duration>',
      'start at a stream sequence, an ISO time, or a time ago such as 10m',
      (value: string) => parseSince(value),
    )
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .addOption(outputOption())
    .addHelpText('after', EXAMPLES)
    .action(async (opts: EventsOptions, command: Command) => {
      const { api, format } = contextOf(command);
      let count = 0;
      await untilSignal((signal) =>
        follow(api, opts, signal, (line) => {
          writeOut(formatEvent(format, line));
          count += 1;
        }),
      );
      if (format === 'table' && count === 0 && !opts.follow) writeNote('no events');
    });
}

/** Longest wait between two attempts to reach the launcher again. */
const MAX_RECONNECT_MS = 10_000;

/**
 * Streams the events. With `--follow`, a stream that breaks off (the
 * launcher restarted, or another one behind the same address took over) is
 * opened again after the last event seen, so nothing is printed twice or
 * missed; only Ctrl-C ends it. One note on stderr marks each interruption.
 */
async function follow(
  api: ApiClient,
  opts: EventsOptions,
  signal: AbortSignal,
  print: (line: unknown) => void,
): Promise<void> {
  let since = opts.since;
  for (let attempt = 0; ; attempt++) {
    try {
      const query = { since, follow: opts.follow ? 'true' : undefined };
      for await (const line of api.stream('/v1/events', query, signal)) {
        print(line);
        const seq = (line as { seq?: unknown }).seq;
        if (typeof seq === 'number') since = String(seq + 1);
        if (attempt > 0) writeNote('(event stream reconnected)');
        attempt = 0;
      }
      if (!opts.follow) return;
      if (attempt === 0) writeNote('(event stream closed by the launcher; reconnecting)');
    } catch (err) {
      if (!opts.follow || signal.aborted || !(err instanceof UnreachableError)) throw err;
      if (attempt === 0) writeNote(`(event stream interrupted: ${err.message}; reconnecting)`);
    }
    await sleep(Math.min(500 * 2 ** attempt, MAX_RECONNECT_MS), undefined, { signal });
  }
}
