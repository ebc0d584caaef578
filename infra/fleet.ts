// The local fleet behind `npm start` (after infra/bootstrap.mjs): NATS with
// JetStream, a container engine (Podman's API service, or dockerd), the
// launcher and one node agent on this machine; then it applies
// examples/web.yaml, waits for its replicas, shows them and follows events
// until Ctrl-C. On stop it ends every process it started but never the
// containers: they outlive the control plane on purpose, and the next
// `npm start` adopts them (`npm run fleet:down` removes them).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerLabels } from '@commando/protocol';
import type { ReplicaView } from '@commando/protocol';
import { DockerApiEngine } from '@commando/engine';
import type { Engine, FoundContainer } from '@commando/engine';
import {
  buildBusyboxImage,
  ensureDockerd,
  PROJECT_ROOT,
  STATE_DIR,
  startPodmanService,
} from './engines.ts';
import {
  API_PORT,
  API_URL,
  applyYaml,
  EXAMPLE,
  followEvents,
  listReplicas,
  LOG_DIR,
  NATS_MONITOR_PORT,
  NATS_PORT,
  NODE_ID,
  probe,
  replicaUrl,
  shown,
} from './local-fleet.ts';
import {
  fileSize,
  findExecutable,
  logHasMessage,
  portAnswers,
  startLogged,
  waitUntil,
} from './processes.ts';
import type { Managed } from './processes.ts';

/**
 * What this run started, so that a stop ends exactly that. Each runs in its
 * own process group: a Ctrl-C reaches only this script, which stops them in
 * order (agent, launcher, engine API, NATS).
 */
interface Parts {
  nats?: Managed;
  engine?: { engine: Engine; kind: 'podman' | 'docker'; stop?: () => Promise<void> };
  launcher?: Managed;
  agent?: Managed;
}

/** Aborted by the first Ctrl-C or SIGTERM; every wait gives up on it. */
const quit = new AbortController();
const parts: Parts = {};
/** Events from this moment on are shown. */
const startedAt = new Date().toISOString();

function say(line: string): void {
  console.log(`fleet: ${line}`);
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // The terminal and the bootstrap may both deliver one Ctrl-C: act once.
    process.on(signal, () => quit.abort());
  }
  let code = 0;
  try {
    await up();
    say('events follow (Ctrl-C stops the control plane; the containers keep running):');
    await followEvents(startedAt, quit.signal, (line) => console.log(`  ${line}`));
  } catch (err) {
    if (!quit.signal.aborted) {
      code = 1;
      console.error(`fleet: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  await down();
  process.exit(code);
}

async function up(): Promise<void> {
  say(`local fleet on this machine: state in ${shown(STATE_DIR)}/, logs in ${shown(LOG_DIR)}/`);
  await checkPortsFree();
  parts.nats = await startNats();
  parts.engine = await startEngine();
  await buildExample(parts.engine.engine);
  await startServices(parts.engine.kind, parts.engine.engine.socketPath);
  await applyExample();
  const replicas = await waitForReplicas();
  await showReplicas(replicas);
}

async function checkPortsFree(): Promise<void> {
  const wanted: [number, string][] = [
    [NATS_PORT, 'NATS'],
    [NATS_MONITOR_PORT, 'NATS monitoring'],
    [API_PORT, 'the launcher API'],
  ];
  for (const [port, what] of wanted) {
    if (await portAnswers(port)) {
      throw new Error(
        `port ${port} on 127.0.0.1 (for ${what}) is already taken, perhaps by an earlier ` +
          'npm start that is still running; stop that process and run npm start again.',
      );
    }
  }
}

async function startNats(): Promise<Managed> {
  const dataDir = join(STATE_DIR, 'nats');
  const args = ['-js', '-a', '127.0.0.1', '-p', String(NATS_PORT), '-m', String(NATS_MONITOR_PORT)];
  args.push('-sd', dataDir, '-n', 'commando-local');
  const logFile = join(LOG_DIR, 'nats.log');
  const nats = startLogged('nats-server', 'nats-server', args, { logFile, detached: true });
  const healthz = `http://127.0.0.1:${NATS_MONITOR_PORT}/healthz?js-enabled-only=true`;
  await waitUntil(
    'NATS with JetStream',
    async () => (await fetch(healthz)).ok,
    30_000,
    nats,
    quit.signal,
  );
  say(
    `nats-server on nats://127.0.0.1:${NATS_PORT}, JetStream data in ${shown(dataDir)}/ (log: ${shown(nats.logFile)})`,
  );
  return nats;
}

/** COMMANDO_ENGINE when set, else Podman when installed, else Docker. */
function engineKind(): 'podman' | 'docker' {
  const choice = process.env.COMMANDO_ENGINE;
  if (choice === 'podman' || choice === 'docker') return choice;
  return findExecutable('podman') ? 'podman' : 'docker';
}

async function startEngine(): Promise<NonNullable<Parts['engine']>> {
  const kind = engineKind();
  if (kind === 'docker') {
    const socket = await ensureDockerd(join(STATE_DIR, 'dockerd.log'));
    const engine = new DockerApiEngine(socket);
    say(`engine: Docker ${(await engine.info()).version} on ${socket} (dockerd is left running)`);
    return { engine, kind };
  }
  const logFile = join(LOG_DIR, 'podman.log');
  const socket = join(STATE_DIR, 'podman.sock');
  const service = await startPodmanService(socket, logFile, { detached: true });
  const engine = new DockerApiEngine(service.socketPath);
  say(
    `engine: Podman ${(await engine.info()).version}, API on ${shown(service.socketPath)} (log: ${shown(logFile)})`,
  );
  return { engine, kind, stop: () => service.stop() };
}

async function buildExample(engine: Engine): Promise<void> {
  await buildBusyboxImage(engine, EXAMPLE.sourceDir, EXAMPLE.image);
  say(`built ${EXAMPLE.image} from ${shown(EXAMPLE.sourceDir)}/`);
}

/** A service process and the log offset its readiness line will come after. */
interface Service {
  child: Managed;
  from: number;
}

/** Starts `services/<dir>/src/main.ts`, logging to `.commando/logs/<dir>.log`. */
function spawnService(dir: string, name: string, env: NodeJS.ProcessEnv): Service {
  const entry = `services/${dir}/src/main.ts`;
  if (!existsSync(join(PROJECT_ROOT, entry))) throw new Error(`${entry} does not exist yet.`);
  const logFile = join(LOG_DIR, `${dir}.log`);
  const from = fileSize(logFile);
  const child = startLogged(name, process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, COMMANDO_NATS_URL: `nats://127.0.0.1:${NATS_PORT}`, ...env },
    logFile,
    detached: true,
  });
  return { child, from };
}

/** Waits for a service's readiness line (docs/CONTRACTS.md). */
async function ready({ child, from }: Service, msg: string): Promise<void> {
  const logged = () => logHasMessage(child.logFile, from, msg);
  await waitUntil(`the ${child.name} to log "${msg}"`, logged, 60_000, child, quit.signal);
}

/** Starts the launcher and the node agent side by side. */
async function startServices(kind: 'podman' | 'docker', socket: string): Promise<void> {
  const launcher = spawnService('launcher', 'launcher', {
    COMMANDO_HTTP_HOST: '127.0.0.1',
    COMMANDO_HTTP_PORT: String(API_PORT),
  });
  parts.launcher = launcher.child;
  const agent = spawnService('node-agent', 'node agent', {
    COMMANDO_NODE_ID: NODE_ID,
    COMMANDO_ENGINE: kind,
    COMMANDO_ENGINE_SOCKET: socket,
    // The example image exists only locally; there is no registry to pull from.
    COMMANDO_IMAGE_PULL: 'never',
  });
  parts.agent = agent.child;
  say(
    `started the launcher and node agent ${NODE_ID} (logs: ${shown(LOG_DIR)}/launcher.log, node-agent.log)`,
  );
  await Promise.all([ready(launcher, 'http api listening'), ready(agent, 'node agent ready')]);
  say(`launcher API on ${API_URL}; node agent ${NODE_ID} ready`);
}

async function applyExample(): Promise<void> {
  const result = await applyYaml(readFileSync(EXAMPLE.file, 'utf8'));
  const { version } = result.deployment;
  say(
    `applied ${shown(EXAMPLE.file)}: deployment ${EXAMPLE.name} ${result.outcome} (version ${version})`,
  );
}

function allRunning(replicas: ReplicaView[]): boolean {
  const running = replicas.filter((r) => r.state === 'running' && r.ports.length > 0);
  return running.length === EXAMPLE.replicas && replicas.length === EXAMPLE.replicas;
}

async function waitForReplicas(): Promise<ReplicaView[]> {
  say(`waiting for ${EXAMPLE.replicas} replicas of ${EXAMPLE.name} to run`);
  let replicas: ReplicaView[] = [];
  const check = async () => allRunning((replicas = await listReplicas(EXAMPLE.name)));
  try {
    await waitUntil('the replicas', check, 120_000, undefined, quit.signal);
  } catch (err) {
    if (quit.signal.aborted) throw err;
    const states = replicas.map((r) => `${r.id} ${r.state}${r.message ? ` (${r.message})` : ''}`);
    throw new Error(
      `after 120 s not all ${EXAMPLE.replicas} replicas run: ${states.join(', ') || 'none listed'}; ` +
        `see ${shown(LOG_DIR)}/node-agent.log and launcher.log.`,
    );
  }
  return replicas;
}

async function showReplicas(replicas: ReplicaView[]): Promise<void> {
  const sorted = [...replicas].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const answers = await Promise.all(sorted.map((r) => probe(replicaUrl(r) ?? '')));
  sorted.forEach((r, i) => console.log(`  ${r.id}  ${r.state}  ${replicaUrl(r)}  ${answers[i]}`));
}

/** Containers this fleet leaves running, listed while the engine still answers. */
async function leftRunning(): Promise<FoundContainer[]> {
  if (!parts.engine) return [];
  const labels = { [ContainerLabels.managed]: 'true', [ContainerLabels.node]: NODE_ID };
  const found = await parts.engine.engine.list(labels).catch(() => []);
  return found.filter((c) => c.state === 'running' || c.state === 'restarting');
}

/** Stops what this run started, agent first, NATS last; containers stay. */
async function down(): Promise<void> {
  if (parts.nats) console.log('');
  for (const child of [parts.agent, parts.launcher]) {
    if (!child) continue;
    await child.stop();
    say(`stopped the ${child.name}`);
  }
  const left = await leftRunning();
  if (parts.engine?.stop) {
    await parts.engine.stop();
    say('stopped the Podman API service');
  }
  if (parts.nats) {
    await parts.nats.stop();
    say('stopped nats-server');
  }
  reportLeft(left);
}

function reportLeft(left: FoundContainer[]): void {
  if (left.length === 0) return;
  const names = left.map((c) => c.labels[ContainerLabels.replica] ?? c.name).sort();
  say(
    `still running, on purpose: ${names.join(', ')} on ${parts.engine?.kind}. Commando never ` +
      'stops containers when its control plane stops; the next npm start adopts them.',
  );
  say(
    'remove them with: npm run fleet:down   (npm run fleet:down -- --purge also deletes .commando/)',
  );
}

await main();
