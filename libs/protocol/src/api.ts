import { z } from 'zod';
import { ErrorBody } from './errors.ts';
import { deploymentName } from './names.ts';
import { DeploymentRecord, NodeRecord, PublishedPort, ReplicaState } from './records.ts';
import { MAX_REPLICAS } from './spec.ts';
import type { ApiOperation } from './subjects.ts';

/** A node as the API shows it: its record and whether it counts as ready. */
export const NodeView = NodeRecord.extend({ ready: z.boolean() });
export type NodeView = z.infer<typeof NodeView>;

/**
 * One desired replica as the API shows it. `state` is the agent's report, or
 * `unplaced` while no ready node could take it, or `placed` while its node
 * has not reported it yet.
 */
export const ReplicaView = z.object({
  deployment: deploymentName,
  id: z.string(),
  node: z.string().nullable(),
  state: z.union([ReplicaState, z.literal('unplaced'), z.literal('placed')]),
  ports: z.array(PublishedPort),
  containerId: z.string().optional(),
  message: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type ReplicaView = z.infer<typeof ReplicaView>;

export const NameRequest = z.strictObject({ name: deploymentName });
export const ScaleRequest = z.strictObject({
  name: deploymentName,
  replicas: z.number().int().min(0).max(MAX_REPLICAS),
});
export const EmptyRequest = z.strictObject({});
export const ReplicaListRequest = z.strictObject({ deployment: deploymentName.optional() });

export const ApplyResult = z.object({
  deployment: DeploymentRecord,
  /** `created`, `updated`, or `unchanged` when the spec was already stored. */
  outcome: z.enum(['created', 'updated', 'unchanged']),
});
export type ApplyResult = z.infer<typeof ApplyResult>;

/**
 * Request and result schema of every NATS API operation. `apply` takes the
 * deployment spec itself, validated by `DeploymentSpec` on the launcher.
 */
export const Api = {
  'deployments.apply': { request: z.unknown(), result: ApplyResult },
  'deployments.get': { request: NameRequest, result: DeploymentRecord },
  'deployments.list': {
    request: EmptyRequest,
    result: z.object({ deployments: z.array(DeploymentRecord) }),
  },
  'deployments.scale': { request: ScaleRequest, result: DeploymentRecord },
  'deployments.delete': {
    request: NameRequest,
    result: z.object({ name: deploymentName, deleted: z.literal(true) }),
  },
  'nodes.list': { request: EmptyRequest, result: z.object({ nodes: z.array(NodeView) }) },
  'replicas.list': {
    request: ReplicaListRequest,
    result: z.object({ replicas: z.array(ReplicaView) }),
  },
} as const satisfies Record<ApiOperation, { request: z.ZodType; result: z.ZodType }>;

export type ApiRequest<Op extends ApiOperation> = z.input<(typeof Api)[Op]['request']>;
export type ApiResult<Op extends ApiOperation> = z.infer<(typeof Api)[Op]['result']>;

/** Every NATS reply: the result, or an error body. */
export function replySchema<T extends z.ZodType>(result: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), result }),
    z.object({ ok: z.literal(false), error: ErrorBody }),
  ]);
}
