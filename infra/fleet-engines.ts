// The container engines as the local fleet (`npm start`, `npm run
// fleet:down`) sees them: which one it runs on (COMMANDO_ENGINE), Podman's
// API service as a supervised child, and what it finds or removes on either
// engine: the containers of node local-1 and the example image.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DEFAULT_SOCKETS, DockerApiEngine } from '@commando/engine';
import { engineAnswers, podmanEnv, STATE_DIR } from './engines.ts';
import { LOG_DIR, NODE_LABELS, shown } from './local-fleet.ts';
import { findExecutable, startLogged, waitUntil } from './processes.ts';
import type { ChildSpec } from './supervisor.ts';

export type EngineKind = 'podman' | 'docker';

export const ENGINE_NAMES: Record<EngineKind, string> = { podman: 'Podman', docker: 'Docker' };

/**
 * COMMANDO_ENGINE: `podman`, `docker`, or `auto` (the default, also when
 * empty): Podman when it is installed (with runc), else Docker when dockerd
 * is, else Podman. The same choice as infra/bootstrap.mjs makes.
 */
export function engineKind(): EngineKind {
  const choice = process.env.COMMANDO_ENGINE || 'auto';
  if (choice === 'podman' || choice === 'docker') return choice;
  if (choice !== 'auto') {
    throw new Error(`COMMANDO_ENGINE must be podman, docker or auto, not "${choice}".`);
  }
  const podman = Boolean(findExecutable('podman') && findExecutable('runc'));
  return !podman && findExecutable('dockerd') ? 'docker' : 'podman';
}

export const PODMAN_SOCKET = join(STATE_DIR, 'podman.sock');

/**
 * `podman system service` on PODMAN_SOCKET. Stopping it stops no container:
 * each is watched by its own conmon. The socket file of a service that was
 * killed stays behind, so each start removes it first.
 */
export const podmanService: ChildSpec = {
  name: 'Podman API service',
  spawn() {
    rmSync(PODMAN_SOCKET, { force: true });
    const args = ['system', 'service', '--time=0', `unix://${PODMAN_SOCKET}`];
    const logFile = join(LOG_DIR, 'podman.log');
    const opts = { logFile, env: podmanEnv(), detached: true };
    return startLogged('Podman API service', 'podman', args, opts);
  },
  ready(child, signal) {
    const what = `the Podman API on ${shown(PODMAN_SOCKET)}`;
    return waitUntil(what, () => engineAnswers(PODMAN_SOCKET), 30_000, child, signal);
  },
};

/** Ids of node local-1's containers in Podman, through its CLI (no API service needed). */
export function podmanNodeContainers(): string[] {
  if (!findExecutable('podman')) return [];
  const filters = Object.entries(NODE_LABELS).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
  const out = execFileSync('podman', ['ps', '-a', '-q', ...filters], {
    env: podmanEnv(),
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean);
}

/** Docker's engine when dockerd answers; undefined when it does not (or is not installed). */
export async function runningDocker(): Promise<DockerApiEngine | undefined> {
  if (!findExecutable('dockerd') || !(await engineAnswers(DEFAULT_SOCKETS.docker))) {
    return undefined;
  }
  return new DockerApiEngine(DEFAULT_SOCKETS.docker);
}

/** How many containers of node local-1 `kind` holds; 0 when it cannot tell (dockerd down). */
export async function nodeContainerCount(kind: EngineKind): Promise<number> {
  if (kind === 'podman') return podmanNodeContainers().length;
  const docker = await runningDocker();
  return docker ? (await docker.list(NODE_LABELS)).length : 0;
}

/**
 * Removes the tag `ref` from Podman (only that tag: an image with other
 * tags keeps them) and says what happened.
 */
export function removePodmanImage(ref: string): string {
  const env = podmanEnv();
  try {
    execFileSync('podman', ['image', 'exists', ref], { env, stdio: 'ignore' });
  } catch {
    return `no image ${ref} in Podman`;
  }
  try {
    execFileSync('podman', ['rmi', ref], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    return `removed image ${ref} from Podman`;
  } catch (err) {
    const detail = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    return `kept image ${ref} in Podman: ${detail.split('\n')[0] || 'podman rmi failed'}`;
  }
}

/** Removes the tag `ref` from Docker (only that tag, as above) and says what happened. */
export async function removeDockerImage(ref: string): Promise<string> {
  const { status, body } = await dockerRequest('DELETE', `/images/${ref}`);
  if (status === 200) return `removed image ${ref} from Docker`;
  if (status === 404) return `no image ${ref} in Docker`;
  const message = (JSON.parse(body || '{}') as { message?: string }).message;
  return `kept image ${ref} in Docker: ${message ?? `HTTP ${status}`}`;
}

/** One request to Docker's API on its unix socket; dockerode is the engine library's. */
function dockerRequest(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const opts = { socketPath: DEFAULT_SOCKETS.docker, method, path, timeout: 30_000 };
    const req = request(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`Docker did not answer ${method} ${path}`)));
    req.end();
  });
}
