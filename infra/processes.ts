// Child processes of the local fleet and the test harness: each one writes
// its output to a log file, can be waited on until it is ready, and is
// stopped with SIGTERM (then SIGKILL) in the order its owner chooses. Unless
// it must outlive its owner, each one also gets SIGTERM from the kernel when
// its owner dies, even of a SIGKILL that runs no exit hook.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A process started by `startLogged`. */
export interface Managed {
  readonly name: string;
  readonly logFile: string;
  readonly proc: ChildProcess;
  /**
   * The command line it runs, as /proc/<pid>/cmdline shows it once started:
   * what a later process compares before it signals a recorded pid.
   */
  readonly argv: readonly string[];
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  readonly exited: Promise<number | string>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Gives the child its own process group, so that a Ctrl-C in the terminal
   * reaches only its owner, which then stops its children in order (the
   * local fleet: agent before NATS). Without it the child shares the owner's
   * group and a Ctrl-C ends both, even when the owner dies of it before its
   * exit hook can run (a test run).
   */
  detached?: boolean;
  /** A daemon that must outlive its starter (dockerd): detached, no exit hook. */
  outlive?: boolean;
}

/**
 * Starts `command` with stdout and stderr appended to `logFile`. Should the
 * owner exit without stopping it, an exit hook kills it (unless `outlive`),
 * so that nothing is left behind but the containers.
 */
export function startLogged(
  name: string,
  command: string,
  args: string[],
  opts: StartOptions,
): Managed {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  const [file, fileArgs] = opts.outlive ? [command, args] : dieWithOwner(command, args);
  const proc = spawn(file, fileArgs, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
    detached: Boolean(opts.detached || opts.outlive),
  });
  closeSync(fd);
  const exited = new Promise<number | string>((resolve) => {
    proc.on('error', () => resolve('failed to start'));
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  if (opts.outlive) proc.unref();
  else killOnOwnerExit(proc, exited);
  return managed(name, opts.logFile, proc, [command, ...args], exited);
}

const SETPRIV = findExecutable('setpriv');

/**
 * Runs `command` through util-linux's `setpriv --pdeathsig`, which asks the
 * kernel (prctl PR_SET_PDEATHSIG) to send SIGTERM to the child when its
 * parent dies, then execs `command` in the same process (same pid). This
 * covers what the exit hook cannot: an owner killed with SIGKILL. Without
 * setpriv the exit hook is all there is.
 */
function dieWithOwner(command: string, args: string[]): [string, string[]] {
  if (!SETPRIV) return [command, args];
  return [SETPRIV, ['--pdeathsig', 'TERM', '--', command, ...args]];
}

/** Children to kill when this process exits; one hook for all of them. */
const live = new Set<ChildProcess>();
let hooked = false;

function killOnOwnerExit(proc: ChildProcess, exited: Promise<unknown>): void {
  if (!hooked) process.once('exit', killLive);
  hooked = true;
  live.add(proc);
  void exited.then(() => live.delete(proc));
}

function killLive(): void {
  for (const proc of live) proc.kill('SIGKILL');
}

function managed(
  name: string,
  logFile: string,
  proc: ChildProcess,
  argv: string[],
  exited: Promise<number | string>,
): Managed {
  let done = false;
  void exited.then(() => (done = true));
  return {
    name,
    logFile,
    proc,
    argv,
    exited,
    running: () => !done,
    async stop(graceMs = 15_000) {
      if (done) return;
      proc.kill('SIGTERM');
      const timer = delay(graceMs, 'timeout' as const);
      if ((await Promise.race([exited, timer])) === 'timeout') proc.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Polls `check` every 200 ms until it is true. Fails after `timeoutMs`, at
 * once when `child` exits first (naming its log file), or when `signal` aborts.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  child?: Managed,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (child && !child.running()) {
      throw new Error(
        `${child.name} exited (${String(await child.exited)}) before ${what}; see ${child.logFile}`,
      );
    }
    if (await check().catch(() => false)) return;
    await delay(200);
  }
  const hint = child ? `; see ${child.logFile}` : '';
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${hint}`);
}

/** Size of a file, 0 when absent: where a fresh process's log lines start. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * True when a JSON log line (pino) with `msg` was written to `logFile` after
 * byte `fromOffset`.
 */
export async function logHasMessage(
  logFile: string,
  fromOffset: number,
  msg: string,
): Promise<boolean> {
  return (await logLine(logFile, fromOffset, msg)) !== undefined;
}

/** The first JSON log line (pino) with `msg` after byte `fromOffset`, decoded. */
export async function logLine(
  logFile: string,
  fromOffset: number,
  msg: string,
): Promise<Record<string, unknown> | undefined> {
  const handle = await open(logFile, 'r');
  try {
    const { size } = await handle.stat();
    const buf = Buffer.alloc(Math.max(0, size - fromOffset));
    await handle.read(buf, 0, buf.length, fromOffset);
    for (const line of buf.toString('utf8').split('\n')) {
      const parsed = parsedLine(line);
      if (parsed?.msg === msg) return parsed;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

function parsedLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Finds a program on PATH or in the sbin directories a user's PATH lacks. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((path) => existsSync(path));
}
