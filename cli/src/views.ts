import type {
  CloudEvent,
  DeploymentRecord,
  NodeView,
  PortSpec,
  PublishedPort,
  ReplicaView,
} from '@commando/protocol';
import { EVENT_TYPE_PREFIX } from '@commando/protocol';
import { isRecord } from './api.ts';
import {
  formatAge,
  formatBytes,
  formatPairs,
  renderFields,
  renderTable,
  truncate,
} from './output.ts';

// The views read API data that was not validated against the protocol's
// schemas (see commands/kit.ts), so each one tolerates missing fields and
// shows `-` rather than failing on a launcher of another version.

type PortLike = Partial<PublishedPort> | Partial<PortSpec>;

/**
 * One port like `podman ps` shows it: `127.0.0.1:32768->8080/tcp`. A spec
 * port whose host side the engine picks shows `127.0.0.1:auto->8080/tcp`.
 */
export function formatPort(port: PortLike): string {
  const hostIp = port.hostIp ?? '127.0.0.1';
  const host = port.host ?? 'auto';
  return `${hostIp}:${host}->${port.container ?? '?'}/${port.protocol ?? 'tcp'}`;
}

export function formatPorts(ports: readonly PortLike[] | undefined): string {
  return ports && ports.length > 0 ? ports.map(formatPort).join(', ') : '-';
}

/** The longest message `ps` shows in its table; `-o json` has all of it. */
const MESSAGE_WIDTH = 60;

/** Orders replicas by deployment, then ordinal, so `web-10` follows `web-9`. */
function byReplica(a: ReplicaView, b: ReplicaView): number {
  const byDeployment = String(a.deployment).localeCompare(String(b.deployment));
  return byDeployment || ordinalOf(a.id) - ordinalOf(b.id);
}

function ordinalOf(id: string): number {
  const ordinal = Number(String(id).slice(String(id).lastIndexOf('-') + 1));
  return Number.isNaN(ordinal) ? 0 : ordinal;
}

export function replicasTable(replicas: readonly ReplicaView[], now: number): string {
  const rows = [...replicas]
    .sort(byReplica)
    .map((r) => [
      r.deployment,
      r.id,
      r.node ?? '-',
      r.state,
      formatPorts(r.ports),
      formatAge(r.updatedAt, now),
      r.message ? truncate(r.message, MESSAGE_WIDTH) : '',
    ]);
  const head = ['DEPLOYMENT', 'REPLICA', 'NODE', 'STATE', 'PORTS', 'UPDATED', 'MESSAGE'];
  return renderTable(head, rows);
}

function readiness(node: NodeView): string {
  if (node.ready) return 'yes';
  return node.status === 'stopped' ? 'no (stopped)' : 'no';
}

export function nodesTable(nodes: readonly NodeView[], now: number): string {
  const rows = nodes.map((n) => [
    n.id,
    readiness(n),
    n.engine ? `${n.engine.kind} ${n.engine.version}` : '-',
    formatPairs(n.labels),
    n.capacity ? String(n.capacity.cpus) : '-',
    n.capacity ? formatBytes(n.capacity.memoryBytes) : '-',
    formatAge(n.heartbeatAt, now),
  ]);
  const head = ['ID', 'READY', 'ENGINE', 'LABELS', 'CPUS', 'MEMORY', 'HEARTBEAT'];
  return renderTable(head, rows);
}

export function deploymentsTable(records: readonly DeploymentRecord[], now: number): string {
  const rows = records.map((d) => [
    d.spec?.name ?? '-',
    String(d.spec?.replicas ?? '-'),
    d.spec?.image ?? '-',
    String(d.version),
    formatAge(d.updatedAt, now),
  ]);
  return renderTable(['NAME', 'REPLICAS', 'IMAGE', 'VERSION', 'UPDATED'], rows);
}

function timeWithAge(iso: string | undefined, now: number): string {
  return iso ? `${iso} (${formatAge(iso, now)} ago)` : '-';
}

function words(list: readonly string[] | undefined): string {
  return list && list.length > 0 ? JSON.stringify(list) : '-';
}

/** Every field of one deployment, one a line. */
export function deploymentFields(record: DeploymentRecord, now: number): string {
  const spec: Partial<DeploymentRecord['spec']> = record.spec ?? {};
  return renderFields([
    ['NAME', spec.name ?? '-'],
    ['IMAGE', spec.image ?? '-'],
    ['REPLICAS', String(spec.replicas ?? '-')],
    ['RESTART', spec.restart ?? '-'],
    ['PORTS', formatPorts(spec.ports)],
    ['COMMAND', words(spec.command)],
    ['ARGS', words(spec.args)],
    ['ENV', formatPairs(spec.env)],
    ['LABELS', formatPairs(spec.labels)],
    ['VERSION', `${record.version} (template ${record.templateVersion})`],
    ['CREATED', timeWithAge(record.createdAt, now)],
    ['UPDATED', timeWithAge(record.updatedAt, now)],
  ]);
}

/** Width of the type column of event lines: the longest type, `deployment.created`. */
const TYPE_WIDTH = 18;

/** Width of the subject column; most replica ids fit, longer ones push the data right. */
const SUBJECT_WIDTH = 12;

/**
 * One event on one line for people: time, short type, subject and its data
 * as `key=value` pairs. Anything that is not `{seq, event}` prints as JSON.
 */
export function eventLine(line: unknown): string {
  const event = isRecord(line) ? line.event : undefined;
  if (!isRecord(event)) return JSON.stringify(line);
  const ce = event as Partial<CloudEvent>;
  const type = String(ce.type ?? '?');
  const short = type.startsWith(EVENT_TYPE_PREFIX) ? type.slice(EVENT_TYPE_PREFIX.length) : type;
  const subject = (ce.subject ?? '-').padEnd(SUBJECT_WIDTH);
  const parts = [ce.time ?? '-', short.padEnd(TYPE_WIDTH), subject, compactData(ce.data)];
  return parts.join('  ').trimEnd();
}

/** `key=value` pairs; strings stay bare unless they hold spaces, quotes or `=`. */
export function compactData(data: unknown): string {
  if (!isRecord(data)) return data === undefined ? '' : JSON.stringify(data);
  return Object.entries(data)
    .map(([key, value]) => `${key}=${compactValue(value)}`)
    .join(' ');
}

function compactValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value === undefined) return '-';
  return JSON.stringify(value);
}
