import { createHash } from 'node:crypto';
import type { ContainerSpec } from '@commando/protocol';

/**
 * A digest of a container template, independent of key order. The agent
 * labels each container with it and replaces a container whose label
 * differs from its assignment's template: comparing content rather than
 * `templateVersion` stays right when a deployment is deleted and created
 * again (its versions start over).
 */
export function templateHash(template: ContainerSpec): string {
  return createHash('sha256').update(canonical(template)).digest('hex').slice(0, 32);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
