import { z } from 'zod';
import { deploymentName } from './names.ts';

/** The largest replica count one deployment may ask for. */
export const MAX_REPLICAS = 1000;

const labelKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'must be a label key such as app or team/owner');

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

const port = z.number().int().min(1).max(65535);

/**
 * One published port. `host` omitted means the engine picks a free port on
 * `hostIp` for each replica; a fixed `host` port allows at most one replica
 * of the deployment per node, and the scheduler places accordingly.
 */
export const PortSpec = z.strictObject({
  container: port,
  host: port.optional(),
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
  hostIp: z.ipv4().default('127.0.0.1'),
});
export type PortSpec = z.infer<typeof PortSpec>;

/**
 * What the engine does when a container exits, also while no agent is
 * running: `always` restarts it unless an operator stopped it,
 * `on-failure` only after a non-zero exit, `never` leaves it exited.
 */
export const RestartPolicy = z.enum(['always', 'on-failure', 'never']);
export type RestartPolicy = z.infer<typeof RestartPolicy>;

/** The desired state of one deployment, as an operator writes it. */
export const DeploymentSpec = z.strictObject({
  name: deploymentName,
  image: z.string().trim().min(1, 'must name an image').max(512),
  command: z.array(z.string()).max(64).optional(),
  args: z.array(z.string()).max(256).optional(),
  env: z.record(envName, z.string().max(32_768)).default({}),
  ports: z.array(PortSpec).max(32).default([]),
  labels: z.record(labelKey, z.string().max(256)).default({}),
  replicas: z.number().int().min(0).max(MAX_REPLICAS).default(1),
  restart: RestartPolicy.default('always'),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;
/** A spec as written before defaults are filled in. */
export type DeploymentSpecInput = z.input<typeof DeploymentSpec>;

/** The part of a spec that an agent needs to run one replica. */
export const ContainerSpec = DeploymentSpec.omit({ name: true, replicas: true });
export type ContainerSpec = z.infer<typeof ContainerSpec>;

/** Returns the container part of a deployment spec. */
export function containerSpecOf(spec: DeploymentSpec): ContainerSpec {
  const { name: _name, replicas: _replicas, ...rest } = spec;
  return rest;
}
