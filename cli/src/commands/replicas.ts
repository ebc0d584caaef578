import type { Command } from 'commander';
import type { ReplicaView } from '@commando/protocol';
import { parseDeploymentName } from '../args.ts';
import { printData, writeNote } from '../output.ts';
import { replicasTable } from '../views.ts';
import { contextOf, listOf, outputOption } from './kit.ts';

/** `ps`: every desired replica, where it runs and in what state. */
export function registerReplicas(program: Command): void {
  program
    .command('ps')
    .description('list replicas: where each runs, its state and its published ports')
    .argument('[deployment]', 'only the replicas of this deployment', parseDeploymentName)
    .addOption(outputOption())
    .action(async (deployment: string | undefined, _opts: unknown, command: Command) => {
      const { api, format } = contextOf(command);
      const data = await api.get('/v1/replicas', { deployment });
      const replicas = listOf<ReplicaView>(data, 'replicas');
      // No replicas of a deployment that does not exist is "not found"
      // (exit 4) rather than an empty list; the GET throws that error.
      if (deployment && replicas.length === 0) {
        await api.get(`/v1/deployments/${deployment}`, {});
      }
      if (format === 'table' && replicas.length === 0) return writeNote('no replicas');
      printData(format, replicas, () => replicasTable(replicas, Date.now()));
    });
}
