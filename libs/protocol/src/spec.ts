import { z } from 'zod';
import { deploymentName } from './names.ts';

/** The largest replica count one deployment may ask for. */
export const MAX_REPLICAS = 1000;

const labelKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'must be a label key such as app or team/owner')
  .refine(
    (key) => !key.startsWith('io.commando.'),
    'io.commando.* labels are reserved for Commando',
  );

/**
 * An image reference as engines accept it: an optional registry host (with
 * port), lowercase path components, an optional tag and an optional digest,
 * e.g. `localhost:5000/team/web:1.2` or `nats@sha256:<64 hex>`.
 */
export const IMAGE_REF =
  /^(?:[A-Za-z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

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
 * One container port may be published once per protocol, and one fixed
 * host port once per protocol and address: the engine would refuse the
 * container otherwise, long after the spec was accepted.
 */
function uniquePorts(ports: PortSpec[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  ports.forEach((p, i) => {
    const keys: [string, string][] = [[`c/${p.container}/${p.protocol}`, 'container']];
    if (p.host) keys.push([`h/${p.host}/${p.protocol}/${p.hostIp}`, 'host']);
    for (const [key, field] of keys) {
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: [i, field],
          message: `repeats ports[${first}].${field}`,
        });
    }
  });
}

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
  image: z
    .string()
    .min(1, 'must name an image')
    .max(512)
    .regex(IMAGE_REF, 'must be an image reference such as registry:5000/team/web:1.2'),
  command: z
    .array(z.string())
    .min(1, "must not be empty; leave it out to use the image's")
    .max(64)
    .optional(),
  args: z.array(z.string()).max(256).optional(),
  env: z.record(envName, z.string().max(32_768)).default({}),
  ports: z.array(PortSpec).max(32).superRefine(uniquePorts).default([]),
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
