import { z } from 'zod';

/**
 * A DNS-label-like name: lowercase letters, digits and dashes, starting and
 * ending with a letter or digit, at most 40 characters. Deployment names end
 * up in NATS subject tokens, KV keys and container names, so they must be
 * safe in all three.
 */
export const DEPLOYMENT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** Node ids follow the same grammar as deployment names, up to 63 characters. */
export const NODE_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A replica id is `<deployment>-<ordinal>`, e.g. `web-0`. */
export const REPLICA_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?-(?:0|[1-9][0-9]{0,4})$/;

export const deploymentName = z
  .string()
  .regex(
    DEPLOYMENT_NAME,
    'must be 1-40 lowercase letters, digits or dashes, starting and ending with a letter or digit',
  );

export const nodeId = z
  .string()
  .regex(
    NODE_ID,
    'must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit',
  );

export const replicaId = z.string().regex(REPLICA_ID, 'must be <deployment>-<ordinal>');

/** Builds the id of the replica with the given ordinal of a deployment. */
export function replicaIdOf(deployment: string, ordinal: number): string {
  return `${deployment}-${ordinal}`;
}

/** Splits a replica id into its deployment name and ordinal. */
export function parseReplicaId(id: string): { deployment: string; ordinal: number } | undefined {
  if (!REPLICA_ID.test(id)) return undefined;
  const dash = id.lastIndexOf('-');
  return { deployment: id.slice(0, dash), ordinal: Number(id.slice(dash + 1)) };
}
