// The local fleet behind `npm start` (after infra/bootstrap.mjs): NATS with
// JetStream, a container engine (Podman's API service, or dockerd), the
// launcher and one node agent on this machine; then it applies
// examples/web.yaml unless the deployment exists, waits for its replicas,
// shows them and follows events until Ctrl-C. Meanwhile it supervises what it
// started, restarting whatever exits (infra/supervisor.ts), and records their
// pids in .commando/fleet.json for `npm run fleet:down`, should this process
// be killed. On stop it ends every process it started but never the
// containers: they outlive the control plane on purpose, and the next
// `npm start` adopts them (`npm run fleet:down` removes them).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventLine, followEvents } from '@commando/cli';
import { ContainerLabels } from '@commando/protocol';
import type { DeploymentRecord, ReplicaView } from '@commando/protocol';
import { DockerApiEngine } from '@commando/engine';
import type { Engine, FoundContainer } from '@commando/engine';
import {
  buildBusyboxImage,
  engineAnswers,
  ensureDockerd,
  PROJECT_ROOT,
  STATE_DIR,
} from './engines.ts';
import {
  ENGINE_NAMES,
  engineKind,
  nodeContainerCount,
  PODMAN_SOCKET,
  podmanService,
} from './fleet-engines.ts';
import type { EngineKind } from './fleet-engines.ts';
import {
  describeRecorded,
  readRecord,
  RECORD_FILE,
  recordSelf,
  removeRecord,
  stillRunning,
  writeRecord,
} from './fleet-record.ts';
import {
  API_PORT,
  API_URL,
  applyYaml,
  EXAMPLE,
  api,
  getDeployment,
  listReplicas,
  LOG_DIR,
  NATS_MONITOR_PORT,
  NATS_PORT,
  NODE_ID,
  NODE_LABELS,
  probe,
  replicaUrl,
  shown,
} from './local-fleet.ts';
import { fileSize, logHasMessage, portAnswers, startLogged, waitUntil } from './processes.ts';
import { Supervised } from './supervisor.ts';
import type { ChildSpec } from './supervisor.ts';

/**
 * What this run started, so that a stop ends exactly that. Each child runs
 * in its own process group: a Ctrl-C reaches only this script, which stops
 * them in order (agent, launcher, engine API, NATS).
 */
interface Parts {
  nats?: Supervised;
  podman?: Supervised;
  engine?: { engine: Engine; kind: EngineKind };
  launcher?: Supervised;
  agent?: Supervised;
}

/** Aborted by the first Ctrl-C or SIGTERM; every wait gives up on it. */
const quit = new AbortController();
const parts: Parts = {};
/** Every supervised child in start order: what .commando/fleet.json lists. */
const children: Supervised[] = [];
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
    const print = (text: string) => console.log(`  ${text}`);
    const opts = { since: startedAt, follow: true };
    await followEvents(api, opts, quit.signal, (line) => print(eventLine(line)), print);
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
  checkLeftovers();
  const kind = engineKind();
  say(`local fleet on this machine: state in ${shown(STATE_DIR)}/, logs in ${shown(LOG_DIR)}/`);
  await checkPortsFree();
  parts.nats = await startChild(natsServer());
  say(
    `nats-server on nats://127.0.0.1:${NATS_PORT}, JetStream data in ${shown(NATS_DATA)}/ (log: ${shown(NATS_LOG)})`,
  );
  parts.engine = await startEngine(kind);
  await warnOtherEngine(kind);
  await buildExample(parts.engine.engine);
  await startServices(kind, parts.engine.engine.socketPath);
  const deployment = await ensureExample();
  const replicas = await waitForReplicas(deployment.spec.replicas);
  await showReplicas(replicas);
}

/**
 * Refuses to start while the processes of an earlier `npm start` run: its
 * supervisor (this script), or children it left when it was killed.
 */
function checkLeftovers(): void {
  const record = readRecord();
  if (!record) return;
  const { pid } = record.supervisor;
  if (stillRunning(record.supervisor)) {
    throw new Error(
      `the local fleet already runs (npm start, pid ${pid}); stop it with Ctrl-C in its ` +
        `terminal (or kill ${pid}) before starting another.`,
    );
  }
  const left = record.children.filter(stillRunning);
  if (left.length === 0) return;
  throw new Error(
    `the previous npm start (pid ${pid}) is gone but left ${left.map(describeRecorded).join(', ')} ` +
      'running; run npm run fleet:down to stop them (it removes the containers too), then npm start again.',
  );
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
        `port ${port} on 127.0.0.1 (for ${what}) is already taken by a process that no ` +
          `npm start recorded in ${shown(RECORD_FILE)}; stop it and run npm start again.`,
      );
    }
  }
}

/** Starts `spec` under supervision, recorded in .commando/fleet.json. */
async function startChild(spec: ChildSpec): Promise<Supervised> {
  const child = new Supervised(spec, say, saveRecord);
  children.push(child);
  await child.start(quit.signal);
  return child;
}

function saveRecord(): void {
  const recorded = children.flatMap(({ name, current }) => {
    const pid = current?.proc.pid;
    return current && pid !== undefined ? [{ name, pid, argv: [...current.argv] }] : [];
  });
  writeRecord({ supervisor: recordSelf('npm start'), children: recorded });
}

const NATS_DATA = join(STATE_DIR, 'nats');
const NATS_LOG = join(LOG_DIR, 'nats.log');

function natsServer(): ChildSpec {
  const args = ['-js', '-a', '127.0.0.1', '-p', String(NATS_PORT), '-m', String(NATS_MONITOR_PORT)];
  args.push('-sd', NATS_DATA, '-n', 'commando-local');
  const healthz = `http://127.0.0.1:${NATS_MONITOR_PORT}/healthz?js-enabled-only=true`;
  const opts = { logFile: NATS_LOG, detached: true };
  return {
    name: 'NATS server',
    spawn: () => startLogged('NATS server', 'nats-server', args, opts),
    async ready(child, signal) {
      const healthy = async () => (await fetch(healthz)).ok;
      await waitUntil('NATS with JetStream', healthy, 30_000, child, signal);
    },
  };
}

async function startEngine(kind: EngineKind): Promise<NonNullable<Parts['engine']>> {
  if (kind === 'docker') {
    const socket = await ensureDockerd(join(STATE_DIR, 'dockerd.log'));
    const engine = new DockerApiEngine(socket);
    say(`engine: Docker ${(await engine.info()).version} on ${socket} (dockerd is left running)`);
    return { engine, kind };
  }
  if (await engineAnswers(PODMAN_SOCKET)) {
    throw new Error(`an engine already answers on ${shown(PODMAN_SOCKET)}; stop it first`);
  }
  parts.podman = await startChild(podmanService);
  const engine = new DockerApiEngine(PODMAN_SOCKET);
  say(
    `engine: Podman ${(await engine.info()).version}, API on ${shown(PODMAN_SOCKET)} (log: ${shown(join(LOG_DIR, 'podman.log'))})`,
  );
  return { engine, kind };
}

/** Containers of this node on the engine not in use run on, unmanaged. */
async function warnOtherEngine(kind: EngineKind): Promise<void> {
  const other: EngineKind = kind === 'podman' ? 'docker' : 'podman';
  const count = await nodeContainerCount(other).catch(() => 0);
  if (count === 0) return;
  say(
    `warning: ${count} container(s) of node ${NODE_ID} are left on ${ENGINE_NAMES[other]}, which ` +
      `this fleet (on ${ENGINE_NAMES[kind]}) does not manage; npm run fleet:down removes them`,
  );
}

async function buildExample(engine: Engine): Promise<void> {
  await buildBusyboxImage(engine, EXAMPLE.sourceDir, EXAMPLE.image);
  say(`built ${EXAMPLE.image} from ${shown(EXAMPLE.sourceDir)}/`);
}

/**
 * `services/<dir>/src/main.ts`, logging to `.commando/logs/<dir>.log`,
 * ready once it logs `readyMsg` (docs/CONTRACTS.md) after its start.
 */
function service(dir: string, name: string, readyMsg: string, env: NodeJS.ProcessEnv): ChildSpec {
  const entry = `services/${dir}/src/main.ts`;
  if (!existsSync(join(PROJECT_ROOT, entry))) throw new Error(`${entry} does not exist yet.`);
  const logFile = join(LOG_DIR, `${dir}.log`);
  const fullEnv = { ...process.env, COMMANDO_NATS_URL: `nats://127.0.0.1:${NATS_PORT}`, ...env };
  let from = 0;
  return {
    name,
    spawn() {
      from = fileSize(logFile);
      const opts = { cwd: PROJECT_ROOT, env: fullEnv, logFile, detached: true };
      return startLogged(name, process.execPath, ['--import', 'tsx', entry], opts);
    },
    ready(child, signal) {
      const logged = () => logHasMessage(logFile, from, readyMsg);
      return waitUntil(`the ${name} to log "${readyMsg}"`, logged, 60_000, child, signal);
    },
  };
}

/** Starts the launcher and the node agent side by side. */
async function startServices(kind: EngineKind, socket: string): Promise<void> {
  const launcher = service('launcher', 'launcher', 'http api listening', {
    COMMANDO_HTTP_HOST: '127.0.0.1',
    COMMANDO_HTTP_PORT: String(API_PORT),
  });
  // The example image exists only locally and no registry can be reached:
  // never pull, unless the operator's environment says otherwise.
  const pull = process.env.COMMANDO_IMAGE_PULL || 'never';
  const agent = service('node-agent', 'node agent', 'node agent ready', {
    COMMANDO_NODE_ID: NODE_ID,
    COMMANDO_ENGINE: kind,
    COMMANDO_ENGINE_SOCKET: socket,
    COMMANDO_IMAGE_PULL: pull,
  });
  say(
    pull === 'never'
      ? 'images are not pulled (COMMANDO_IMAGE_PULL=never; COMMANDO_IMAGE_PULL=missing npm start pulls missing ones)'
      : `images missing on this machine are pulled (COMMANDO_IMAGE_PULL=${pull})`,
  );
  say(
    `starting the launcher and node agent ${NODE_ID} (logs: ${shown(LOG_DIR)}/launcher.log, node-agent.log)`,
  );
  [parts.launcher, parts.agent] = await Promise.all([startChild(launcher), startChild(agent)]);
  say(`launcher API on ${API_URL}; node agent ${NODE_ID} ready`);
}

/**
 * Applies examples/web.yaml only when its deployment does not exist: an
 * existing one may have been scaled or changed by the operator since.
 */
async function ensureExample(): Promise<DeploymentRecord> {
  const existing = await getDeployment(EXAMPLE.name);
  if (existing) {
    say(
      `deployment ${EXAMPLE.name} exists (version ${existing.version}, ${existing.spec.replicas} ` +
        `replicas); left as it is (${shown(EXAMPLE.file)} is applied only when it does not exist)`,
    );
    return existing;
  }
  const result = await applyYaml(readFileSync(EXAMPLE.file, 'utf8'));
  const { version } = result.deployment;
  say(
    `applied ${shown(EXAMPLE.file)}: deployment ${EXAMPLE.name} ${result.outcome} (version ${version})`,
  );
  return result.deployment;
}

function allRunning(replicas: ReplicaView[], wanted: number): boolean {
  const running = replicas.filter((r) => r.state === 'running' && r.ports.length > 0);
  return running.length === wanted && replicas.length === wanted;
}

async function waitForReplicas(wanted: number): Promise<ReplicaView[]> {
  say(`waiting for ${wanted} replica(s) of ${EXAMPLE.name} to run`);
  let replicas: ReplicaView[] = [];
  const check = async () => allRunning((replicas = await listReplicas(EXAMPLE.name)), wanted);
  try {
    await waitUntil('the replicas', check, 120_000, undefined, quit.signal);
  } catch (err) {
    if (quit.signal.aborted) throw err;
    const states = replicas.map((r) => `${r.id} ${r.state}${r.message ? ` (${r.message})` : ''}`);
    throw new Error(
      `after 120 s not all ${wanted} replicas run: ${states.join(', ') || 'none listed'}; ` +
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
  const found = await parts.engine.engine.list(NODE_LABELS).catch(() => []);
  return found.filter((c) => c.state === 'running' || c.state === 'restarting');
}

/** Stops what this run started, agent first, NATS last; containers stay. */
async function down(): Promise<void> {
  if (children.length === 0) return; // nothing started, and the record is not ours
  console.log('');
  for (const child of [parts.agent, parts.launcher]) await stopChild(child);
  const left = await leftRunning();
  for (const child of [parts.podman, parts.nats]) await stopChild(child);
  removeRecord();
  if (parts.engine) reportLeft(left, parts.engine.kind);
}

/** Says only what is true: a child waiting for its restart was not running. */
async function stopChild(child: Supervised | undefined): Promise<void> {
  if (!child) return;
  if (await child.stop()) say(`stopped the ${child.name}`);
  else say(`the ${child.name} was not running (it had exited; see ${shown(logOf(child))})`);
}

function logOf(child: Supervised): string {
  return child.current?.logFile ?? LOG_DIR;
}

function reportLeft(left: FoundContainer[], kind: EngineKind): void {
  if (left.length === 0) return;
  const names = left.map((c) => c.labels[ContainerLabels.replica] ?? c.name).sort();
  say(
    `still running, on purpose: ${names.join(', ')} on ${ENGINE_NAMES[kind]}. Commando never ` +
      'stops containers when its control plane stops; the next npm start adopts them.',
  );
  say(
    'remove them with: npm run fleet:down   (npm run fleet:down -- --purge also deletes .commando/)',
  );
}

await main();
