import type { Command } from 'commander';
import type { ApplyResult } from '@commando/protocol';
import { printData } from '../output.ts';
import { loadSpecFile } from '../spec-file.ts';
import { contextOf, objectOf, outputOption } from './kit.ts';

const EXAMPLES = `
Examples:
  $ commando deploy -f app.yaml
  $ cat app.json | commando deploy -f -`;

/** The one-line report of an apply: `deployment web created (version 1)`. */
export function applySummary(result: ApplyResult): string {
  const name = result.deployment?.spec?.name ?? '?';
  return `deployment ${name} ${result.outcome} (version ${result.deployment?.version ?? '?'})`;
}

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description('create or update a deployment from a YAML or JSON file')
    .requiredOption('-f, --file <file>', 'the deployment spec, YAML or JSON; - reads stdin')
    .addOption(outputOption())
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { file: string }, command: Command) => {
      const { api, format } = contextOf(command);
      const spec = await loadSpecFile(opts.file);
      const data = await api.post('/v1/deployments', spec);
      printData(format, data, () => applySummary(objectOf<ApplyResult>(data, 'apply result')));
    });
}
