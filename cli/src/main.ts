import { Command, CommanderError, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { DEFAULT_API_URL, DEFAULT_TIMEOUT_MS } from './api.ts';
import { parseApiUrl, parseTimeout } from './args.ts';
import { registerDeploy } from './commands/deploy.ts';
import { registerDeployments } from './commands/deployments.ts';
import { registerEvents } from './commands/events.ts';
import { registerNodes } from './commands/nodes.ts';
import { registerReplicas } from './commands/replicas.ts';
import { describeError, exitCodeOf } from './errors.ts';

const EPILOG = `
Every command takes -o table|json|yaml. json and yaml print the API's own
data (lists as arrays, events as NDJSON) on stdout; errors go to stderr.

Environment:
  COMMANDO_API  launcher URL used when --api is not given (default ${DEFAULT_API_URL})

Exit codes:
  0  success
  1  the API answered with an error (error CODE: message, then one line per field)
  2  usage or input error: bad flag or argument, a file that cannot be read or
     parsed, or a spec that fails local validation; nothing was sent
  3  the API cannot be reached: connection refused or timed out
  4  not found (COMMANDO_ERR_NOT_FOUND)

Examples:
  $ commando deploy -f app.yaml
  $ commando ps web -o json
  $ commando scale web 3
  $ commando events --since 10m --follow`;

/** The whole command tree; errors reach the caller instead of exiting. */
export function buildProgram(): Command {
  const program = new Command('commando')
    .description("Operate a Commando fleet through its launcher's HTTP API.")
    .version(pkg.version, '-V, --version', 'print the version of this CLI')
    .addOption(
      new Option('--api <url>', 'base URL of the launcher API')
        .env('COMMANDO_API')
        .default(DEFAULT_API_URL)
        .argParser(parseApiUrl),
    )
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for an answer')
        .default(DEFAULT_TIMEOUT_MS, String(DEFAULT_TIMEOUT_MS / 1000))
        .argParser(parseTimeout),
    )
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EPILOG);
  registerDeploy(program);
  registerReplicas(program);
  registerDeployments(program);
  registerNodes(program);
  registerEvents(program);
  return program;
}

/** Runs one command line and returns its exit code (see EPILOG). */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (err) {
    // commander has already printed its own usage errors.
    if (!(err instanceof CommanderError)) process.stderr.write(`${describeError(err)}\n`);
    return exitCodeOf(err);
  }
}

// An empty COMMANDO_API, as `COMMANDO_API= commando ps` or an unset CI
// variable gives, means "not set" rather than an invalid URL.
if (process.env.COMMANDO_API === '') delete process.env.COMMANDO_API;

// A reader that goes away (`commando events | head`) is not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  process.exit(err.code === 'EPIPE' ? 0 : 1);
});

process.exitCode = await run(process.argv);
