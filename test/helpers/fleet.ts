import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ContainerLabels } from '@commando/protocol';
import type { DeploymentSpecInput } from '@commando/protocol';
import { DockerApiEngine, type FoundContainer } from '@commando/engine';
import {
  buildBusyboxImage,
  ensureDockerd,
  PROJECT_ROOT,
  removeManagedContainers,
  startPodmanService,
  STATE_DIR,
} from '../../infra/engines.ts';
import { TestApi } from './api.ts';
import { startNats, type TestNats } from './nats.ts';
import { startService, type ServiceProcess } from './processes.ts';

export type EngineKind = 'podman' | 'docker';

/** A real engine for a test: Podman through its own API service, or dockerd. */
export interface TestEngine {
  kind: EngineKind;
  socket: string;
  engine: DockerApiEngine;
  stop(): Promise<void>;
}

/** Opens Podman (a fresh API service on a temp socket) or Docker. */
export async function openEngine(kind: EngineKind): Promise<TestEngine> {
  if (kind === 'docker') {
    const socket = await ensureDockerd(join(STATE_DIR, 'dockerd.log'));
    return { kind, socket, engine: new DockerApiEngine(socket), stop: () => Promise.resolve() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'commando-podman-'));
  const service = await startPodmanService(join(dir, 'podman.sock'), join(dir, 'service.log'));
  return {
    kind,
    socket: service.socketPath,
    engine: new DockerApiEngine(service.socketPath),
    stop: async () => {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The image every test deploys: the example web server, built locally. */
export const TEST_IMAGE = 'localhost/commando-example-web:test';

const built = new Map<string, Promise<void>>();

/**
 * Builds the test image once per engine and test process. It always builds
 * (the engine's cache makes that quick) so that an image left by an older
 * checkout is never used.
 */
export function ensureTestImage(engine: DockerApiEngine): Promise<void> {
  let build = built.get(engine.socketPath);
  if (!build) {
    build = buildBusyboxImage(engine, join(PROJECT_ROOT, 'examples', 'web'), TEST_IMAGE);
    built.set(engine.socketPath, build);
  }
  return build;
}

/** A web deployment of the test image, serving on container port 8080. */
export function webSpec(name: string, replicas: number): DeploymentSpecInput {
  return {
    name,
    image: TEST_IMAGE,
    ports: [{ container: 8080 }],
    replicas,
    labels: { test: 'commando' },
  };
}

/** A name no other test uses: `<prefix>-<6 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export interface Launcher extends ServiceProcess {
  url: string;
}

export async function startLauncher(
  natsUrl: string,
  env: Record<string, string> = {},
): Promise<Launcher> {
  const service = await startService(
    'launcher',
    'services/launcher/src/main.ts',
    {
      COMMANDO_NATS_URL: natsUrl,
      COMMANDO_HTTP_PORT: '0',
      COMMANDO_EVAL_INTERVAL_MS: '5000',
      ...env,
    },
    'http api listening',
  );
  return Object.assign(service, { url: String(service.ready.url) });
}

export function startAgent(
  natsUrl: string,
  nodeId: string,
  engine: TestEngine,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  return startService(
    `agent-${nodeId}`,
    'services/node-agent/src/main.ts',
    {
      COMMANDO_NATS_URL: natsUrl,
      COMMANDO_NODE_ID: nodeId,
      COMMANDO_ENGINE_SOCKET: engine.socket,
      COMMANDO_IMAGE_PULL: 'never',
      COMMANDO_HEARTBEAT_MS: '1000',
      COMMANDO_RECONCILE_MS: '1000',
      COMMANDO_STOP_GRACE_S: '5',
      ...env,
    },
    'node agent ready',
  );
}

/** The containers an engine runs for one node, found by label. */
export function containersOf(engine: DockerApiEngine, node: string): Promise<FoundContainer[]> {
  return engine.list({ [ContainerLabels.managed]: 'true', [ContainerLabels.node]: node });
}

/** Removes every container of the given nodes; for test clean-up. */
export async function removeNodeContainers(
  engine: DockerApiEngine,
  nodes: string[],
): Promise<void> {
  for (const node of nodes) await removeManagedContainers(engine, { [ContainerLabels.node]: node });
}

/**
 * Polls `probe` until it returns something other than undefined/false,
 * failing after `timeoutMs` with the last value seen (or error) in the
 * message, so a failed wait says what the state was.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 300,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A whole fleet for one test: NATS, an engine, launchers and agents. */
export interface TestFleet {
  nats: TestNats;
  engine: TestEngine;
  launchers: (Launcher | undefined)[];
  /** Agents by node id; `undefined` while one is deliberately down. */
  agents: Map<string, ServiceProcess | undefined>;
  nodes: string[];
  /** The API of the first launcher. */
  api: TestApi;
  startAgent(node: string): Promise<ServiceProcess>;
  /** Stops every process, removes the nodes' containers and NATS. */
  stop(): Promise<void>;
}

/**
 * Starts a fleet with unique node ids (`<engine>-<hex>`). What it started is
 * stopped by `stop()` even when start-up failed halfway, so a test's
 * `after` hook can always call it.
 */
export async function startFleet(
  kind: EngineKind,
  opts: { nodes?: number; launchers?: number } = {},
): Promise<TestFleet> {
  const nodes = Array.from({ length: opts.nodes ?? 1 }, () => uniqueName(kind));
  const fleet: Partial<TestFleet> & Pick<TestFleet, 'launchers' | 'agents' | 'nodes'> = {
    launchers: [],
    agents: new Map(),
    nodes,
  };
  fleet.stop = () => stopFleet(fleet);
  fleet.nats = await startNats();
  fleet.engine = await openEngine(kind);
  await ensureTestImage(fleet.engine.engine);
  for (let i = 0; i < (opts.launchers ?? 1); i++)
    fleet.launchers.push(await startLauncher(fleet.nats.url));
  fleet.api = new TestApi(fleet.launchers[0]!.url);
  const { nats, engine } = fleet;
  fleet.startAgent = async (node) => {
    const agent = await startAgent(nats.url, node, engine);
    fleet.agents.set(node, agent);
    return agent;
  };
  await Promise.all(nodes.map((node) => fleet.startAgent!(node)));
  return fleet as TestFleet;
}

async function stopFleet(fleet: Partial<TestFleet>): Promise<void> {
  const running = [...(fleet.agents?.values() ?? []), ...(fleet.launchers ?? [])];
  await Promise.all(running.map((p) => p?.kill() ?? Promise.resolve()));
  if (fleet.engine) await removeNodeContainers(fleet.engine.engine, fleet.nodes ?? []);
  await fleet.engine?.stop();
  await fleet.nats?.stop();
}
