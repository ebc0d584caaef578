/**
 * Labels on every container Commando creates. An agent finds, adopts and
 * removes containers only through these, and only those whose `node` label
 * is its own, so agents sharing one engine never touch each other's work.
 */
export const ContainerLabels = {
  managed: 'io.commando.managed',
  node: 'io.commando.node',
  deployment: 'io.commando.deployment',
  replica: 'io.commando.replica',
  templateVersion: 'io.commando.template-version',
  /** sha256 of the container template; what an agent compares. */
  templateHash: 'io.commando.template-hash',
  epoch: 'io.commando.epoch',
} as const;
