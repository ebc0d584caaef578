import type { Command } from 'commander';
import type { DeploymentRecord } from '@commando/protocol';
import { parseDeploymentName, parseReplicas } from '../args.ts';
import { printData, writeNote } from '../output.ts';
import { deploymentFields, deploymentsTable } from '../views.ts';
import { contextOf, listOf, objectOf, outputOption } from './kit.ts';

function path(name: string): string {
  return `/v1/deployments/${encodeURIComponent(name)}`;
}

function registerList(program: Command): void {
  program
    .command('ls')
    .description('list deployments')
    .addOption(outputOption())
    .action(async (_opts: unknown, command: Command) => {
      const { api, format } = contextOf(command);
      const records = listOf<DeploymentRecord>(await api.get('/v1/deployments'), 'deployments');
      if (format === 'table' && records.length === 0) return writeNote('no deployments');
      printData(format, records, () => deploymentsTable(records, Date.now()));
    });
}

function registerGet(program: Command): void {
  program
    .command('get')
    .description('show one deployment as stored, with its version')
    .argument('<deployment>', 'deployment name', parseDeploymentName)
    .addOption(outputOption())
    .action(async (name: string, _opts: unknown, command: Command) => {
      const { api, format } = contextOf(command);
      const data = await api.get(path(name));
      const record = objectOf<DeploymentRecord>(data, 'deployment');
      printData(format, data, () => deploymentFields(record, Date.now()));
    });
}

function registerScale(program: Command): void {
  program
    .command('scale')
    .description('set the number of replicas of a deployment')
    .argument('<deployment>', 'deployment name', parseDeploymentName)
    .argument('<replicas>', 'the new replica count, 0 to 1000', parseReplicas)
    .addOption(outputOption())
    .action(async (name: string, replicas: number, _opts: unknown, command: Command) => {
      const { api, format } = contextOf(command);
      const data = await api.post(`${path(name)}/scale`, { replicas });
      const record = objectOf<DeploymentRecord>(data, 'deployment');
      const summary = `deployment ${name} scaled to ${replicas} (version ${record.version})`;
      printData(format, data, () => summary);
    });
}

function registerRemove(program: Command): void {
  program
    .command('rm')
    .description('delete a deployment; its replicas are stopped')
    .argument('<deployment>', 'deployment name', parseDeploymentName)
    .addOption(outputOption())
    .action(async (name: string, _opts: unknown, command: Command) => {
      const { api, format } = contextOf(command);
      const data = await api.delete(path(name));
      printData(format, data, () => `deployment ${name} deleted`);
    });
}

/** `ls`, `get`, `scale` and `rm`: the deployments themselves. */
export function registerDeployments(program: Command): void {
  registerList(program);
  registerGet(program);
  registerScale(program);
  registerRemove(program);
}
