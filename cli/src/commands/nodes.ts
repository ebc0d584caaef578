import type { Command } from 'commander';
import type { NodeView } from '@commando/protocol';
import { printData, writeNote } from '../output.ts';
import { nodesTable } from '../views.ts';
import { contextOf, listOf, outputOption } from './kit.ts';

/** `nodes`: the hosts whose agents have registered, and whether they are ready. */
export function registerNodes(program: Command): void {
  program
    .command('nodes')
    .description('list nodes: readiness, engine, labels, capacity, last heartbeat')
    .addOption(outputOption())
    .action(async (_opts: unknown, command: Command) => {
      const { api, format } = contextOf(command);
      const nodes = listOf<NodeView>(await api.get('/v1/nodes'), 'nodes');
      if (format === 'table' && nodes.length === 0) return writeNote('no nodes');
      printData(format, nodes, () => nodesTable(nodes, Date.now()));
    });
}
