import { z } from 'zod';
import { deploymentName, nodeId, replicaId } from './names.ts';
import { ContainerSpec, DeploymentSpec, PortSpec } from './spec.ts';

const timestamp = z.iso.datetime();

/**
 * Desired state of one deployment, the value under its name in the
 * `deployments` bucket. `version` grows on every change; `templateVersion`
 * only when the container part of the spec changes, so scaling never
 * restarts running replicas.
 */
export const DeploymentRecord = z.object({
  schema: z.literal(1),
  spec: DeploymentSpec,
  version: z.number().int().min(1),
  templateVersion: z.number().int().min(1),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type DeploymentRecord = z.infer<typeof DeploymentRecord>;

export const EngineKind = z.enum(['podman', 'docker']);
export type EngineKind = z.infer<typeof EngineKind>;

/**
 * One host as its agent describes it, the value under the node id in the
 * `nodes` bucket. The agent rewrites it every `heartbeatIntervalMs`; readers
 * judge liveness from `heartbeatAt` because the server does not announce
 * expired keys.
 */
export const NodeRecord = z.object({
  schema: z.literal(1),
  id: nodeId,
  hostname: z.string(),
  labels: z.record(z.string(), z.string()),
  capacity: z.object({
    cpus: z.number().int().min(0),
    memoryBytes: z.number().int().min(0),
  }),
  engine: z.object({
    kind: EngineKind,
    version: z.string(),
    apiVersion: z.string(),
  }),
  agentVersion: z.string(),
  /** `ready` while the agent runs; `stopped` after a graceful shutdown. */
  status: z.enum(['ready', 'stopped']),
  startedAt: timestamp,
  heartbeatAt: timestamp,
  heartbeatIntervalMs: z.number().int().positive(),
});
export type NodeRecord = z.infer<typeof NodeRecord>;

/** How many missed heartbeats make a node count as down. */
export const MISSED_HEARTBEATS_FOR_DOWN = 3;

/** True when the node's agent said it is ready and its heartbeat is fresh. */
export function isNodeReady(node: NodeRecord, now: number = Date.now()): boolean {
  if (node.status !== 'ready') return false;
  const age = now - Date.parse(node.heartbeatAt);
  return age <= node.heartbeatIntervalMs * MISSED_HEARTBEATS_FOR_DOWN;
}

/**
 * One replica placed on one node, the value under `<node>.<replica>` in the
 * `assignments` bucket. Only launchers write it; only that node's agent acts
 * on it. `epoch` grows every time the replica is placed anew, so a copy that
 * an agent runs under an older epoch is known to be stale.
 */
export const Assignment = z.object({
  schema: z.literal(1),
  deployment: deploymentName,
  replica: replicaId,
  node: nodeId,
  ordinal: z.number().int().min(0),
  template: ContainerSpec,
  templateVersion: z.number().int().min(1),
  epoch: z.number().int().min(1),
  assignedAt: timestamp,
});
export type Assignment = z.infer<typeof Assignment>;

/**
 * Lifecycle of a replica as its agent sees it:
 * - `pending`: assigned; the agent has not created its container yet;
 * - `starting`: container created, being started;
 * - `running`: the container runs;
 * - `exited`: the container stopped on its own; the restart policy decides;
 * - `failed`: the agent could not create or start it (see `message`);
 * - `stopping`: being removed because it is no longer assigned here.
 */
export const ReplicaState = z.enum([
  'pending',
  'starting',
  'running',
  'exited',
  'failed',
  'stopping',
]);
export type ReplicaState = z.infer<typeof ReplicaState>;

export const PublishedPort = PortSpec.extend({ host: z.number().int().min(1).max(65535) });
export type PublishedPort = z.infer<typeof PublishedPort>;

/**
 * Observed state of one replica, the value under `<node>.<replica>` in the
 * `replicas` bucket, written only by the agent of that node.
 */
export const ReplicaStatus = z.object({
  schema: z.literal(1),
  id: replicaId,
  deployment: deploymentName,
  node: nodeId,
  state: ReplicaState,
  containerId: z.string().optional(),
  image: z.string(),
  ports: z.array(PublishedPort),
  templateVersion: z.number().int().min(1),
  epoch: z.number().int().min(1),
  message: z.string().optional(),
  exitCode: z.number().int().optional(),
  updatedAt: timestamp,
});
export type ReplicaStatus = z.infer<typeof ReplicaStatus>;

/** Key of an assignment or replica status: `<node>.<replica>`. */
export function placementKey(node: string, replica: string): string {
  return `${node}.${replica}`;
}

/** Splits a `<node>.<replica>` key; undefined when it is not one. */
export function parsePlacementKey(key: string): { node: string; replica: string } | undefined {
  const dot = key.indexOf('.');
  if (dot <= 0 || dot !== key.lastIndexOf('.')) return undefined;
  return { node: key.slice(0, dot), replica: key.slice(dot + 1) };
}
