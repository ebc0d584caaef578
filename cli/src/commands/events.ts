import type { Command } from 'commander';
import { stringify } from 'yaml';
import { parseSince } from '../args.ts';
import { followEvents } from '../follow.ts';
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
      const print = (line: unknown): void => {
        writeOut(formatEvent(format, line));
        count += 1;
      };
      await untilSignal((signal) => followEvents(api, opts, signal, print, writeNote));
      if (format === 'table' && count === 0 && !opts.follow) writeNote('no events');
    });
}
