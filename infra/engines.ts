// Container engines on this machine, for the local fleet (`npm start`) and
// the test harness: Podman's API service and its configuration, dockerd,
// the images both need (built locally: no registry can be reached), and the
// removal of what Commando left running.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContainerLabels } from '@commando/protocol';
import { DEFAULT_SOCKETS, DockerApiEngine } from '@commando/engine';
import type { Engine } from '@commando/engine';
import { findExecutable, startLogged, waitUntil } from './processes.ts';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Everything the local fleet and the tests keep between runs; git-ignored. */
export const STATE_DIR = join(PROJECT_ROOT, '.commando');

/** A static busybox (Debian's `busybox-static`): the base of every test image. */
const BUSYBOX = '/bin/busybox';
/** Podman's defaults exceed this host's hard limits and runc then refuses to start. */
const MAX_NOFILE = 20_000;
const MAX_NPROC = 4096;

/**
 * Writes `.commando/containers.conf` (only when its content changes) and
 * returns its path. Podman needs runc on this kernel (crun rejects the hybrid
 * cgroup layout) and container ulimits no higher than the host's hard limits,
 * or runc fails with `error setting rlimit type 6/7`.
 */
export function podmanConfPath(): string {
  const path = join(STATE_DIR, 'containers.conf');
  const nofile = Math.min(hardLimit('Max open files'), MAX_NOFILE);
  const nproc = Math.min(hardLimit('Max processes'), MAX_NPROC);
  const text = [
    '# Written by infra/engines.ts for the Podman that Commando starts (CONTAINERS_CONF).',
    '[containers]',
    `default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]`,
    '',
    '[engine]',
    'runtime = "runc"',
    '',
  ].join('\n');
  mkdirSync(STATE_DIR, { recursive: true });
  if (readOrEmpty(path) !== text) {
    // Through a rename, so a concurrent reader never sees half a file.
    writeFileSync(`${path}.${process.pid}`, text);
    renameSync(`${path}.${process.pid}`, path);
  }
  return path;
}

/** The environment for any `podman` command: ours plus CONTAINERS_CONF. */
export function podmanEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: podmanConfPath() };
}

/** One hard limit of this process from /proc/self/limits; Infinity when unlimited. */
function hardLimit(name: string): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard && /^\d+$/.test(hard) ? Number(hard) : Infinity;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** True when an engine's API answers on `socketPath`. */
export async function engineAnswers(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return false;
  try {
    await new DockerApiEngine(socketPath).info();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `podman system service` on `socketPath` and resolves once it serves
 * the API. `stop()` ends the service only: Podman's containers are watched by
 * their own conmon and keep running without it. The service shares our
 * process group (a Ctrl-C ends it with us) unless `detached` is set, for an
 * owner that stops its children itself, in order.
 */
export async function startPodmanService(
  socketPath: string,
  logFile: string,
  opts: { detached?: boolean } = {},
): Promise<{ socketPath: string; stop(): Promise<void> }> {
  if (await engineAnswers(socketPath)) {
    throw new Error(`an engine already answers on ${socketPath}; stop it or choose another socket`);
  }
  mkdirSync(dirname(socketPath), { recursive: true });
  await rm(socketPath, { force: true });
  const args = ['system', 'service', '--time=0', `unix://${socketPath}`];
  const env = podmanEnv();
  const service = startLogged('podman service', 'podman', args, { logFile, env, ...opts });
  try {
    await waitUntil(
      `the Podman API on ${socketPath}`,
      () => engineAnswers(socketPath),
      30_000,
      service,
    );
  } catch (err) {
    await service.stop(2_000);
    throw err;
  }
  return { socketPath, stop: () => service.stop() };
}

/**
 * Returns Docker's socket once dockerd answers on it, starting dockerd in the
 * background (as a daemon that outlives us, logging to `logFile`) if needed.
 */
export async function ensureDockerd(logFile: string): Promise<string> {
  const socketPath = DEFAULT_SOCKETS.docker;
  if (await engineAnswers(socketPath)) return socketPath;
  const dockerd = startLogged('dockerd', 'dockerd', [], { logFile, outlive: true });
  await waitUntil(
    `dockerd to answer on ${socketPath}`,
    () => engineAnswers(socketPath),
    60_000,
    dockerd,
  );
  return socketPath;
}

/**
 * Builds `sourceDir` (which holds a `Containerfile`) as `tag`, with the
 * static busybox added at the root of the build context as `busybox`, so the
 * Containerfile can `COPY busybox /bin/busybox` onto `FROM scratch`.
 */
export async function buildBusyboxImage(
  engine: Engine,
  sourceDir: string,
  tag: string,
): Promise<void> {
  await withTempDir('commando-build-', async (ctx) => {
    await cp(sourceDir, ctx, { recursive: true });
    await copyFile(BUSYBOX, join(ctx, 'busybox'));
    await chmod(join(ctx, 'busybox'), 0o755);
    await engine.build(ctx, tag, 'Containerfile');
  });
}

/**
 * Builds a NATS server image `FROM scratch` out of this machine's own
 * nats-server and the shared libraries it links (same paths), with
 * `infra/nats/Containerfile`: no registry is needed.
 */
export async function buildNatsImage(engine: Engine, tag: string): Promise<void> {
  const binary = findExecutable('nats-server');
  if (!binary) throw new Error('nats-server is not installed; npm start or npm test installs it');
  await withTempDir('commando-nats-', async (ctx) => {
    await copyFile(join(PROJECT_ROOT, 'infra/nats/Containerfile'), join(ctx, 'Containerfile'));
    await place(binary, join(ctx, 'rootfs/usr/local/bin/nats-server'));
    for (const lib of sharedLibraries(binary)) await place(lib, join(ctx, 'rootfs', lib));
    await engine.build(ctx, tag, 'Containerfile');
  });
}

/** Copies a file (following symlinks), creating the target's directories. */
async function place(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
  await chmod(to, 0o755);
}

/** Absolute paths of the shared libraries `ldd` lists; none for a static binary. */
function sharedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return []; // "not a dynamic executable"
  }
  return [...out.matchAll(/(\/\S+) \(0x[0-9a-f]+\)/g)].map((m) => m[1] as string);
}

async function withTempDir(prefix: string, use: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Removes every container labelled `io.commando.managed=true` that also
 * carries all of `labels` (e.g. one node's), running or not. Returns how many.
 */
export async function removeManagedContainers(
  engine: Engine,
  labels: Record<string, string> = {},
): Promise<number> {
  const found = await engine.list({ [ContainerLabels.managed]: 'true', ...labels });
  await Promise.all(found.map((c) => engine.remove(c.id, 0)));
  return found.length;
}
