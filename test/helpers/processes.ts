import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../infra/engines.ts';

/** One service started as a real process for a test. */
export interface ServiceProcess {
  name: string;
  proc: ChildProcess;
  logFile: string;
  /** The first JSON log line whose `msg` matched, once it appeared. */
  ready: Record<string, unknown>;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  alive(): boolean;
  logTail(lines?: number): string;
}

const logDir = mkdtempSync(join(tmpdir(), 'commando-test-logs-'));
process.on('exit', () => {
  if (process.exitCode === 0 || process.exitCode === undefined)
    rmSync(logDir, { recursive: true, force: true });
});

/**
 * Starts `node --import tsx <entry>` with `env` and waits until it logs a
 * line whose `msg` equals `readyMsg`. The log goes to a file whose tail is
 * part of every failure message.
 */
export async function startService(
  name: string,
  entry: string,
  env: Record<string, string>,
  readyMsg: string,
  timeoutMs = 30_000,
): Promise<ServiceProcess> {
  const logFile = join(logDir, `${name}-${Date.now()}.log`);
  const out = createWriteStream(logFile);
  const proc = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, entry)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, COMMANDO_LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.pipe(out);
  proc.stderr.pipe(out);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const service: ServiceProcess = {
    name,
    proc,
    logFile,
    ready: {},
    alive: () => proc.exitCode === null && proc.signalCode === null,
    kill: async (signal = 'SIGTERM') => {
      if (service.alive()) proc.kill(signal);
      await exited;
    },
    logTail: (lines = 30) =>
      readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'),
  };
  service.ready = await waitForLine(service, readyMsg, timeoutMs);
  return service;
}

function waitForLine(
  service: ServiceProcess,
  msg: string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => fail(`did not log "${msg}" within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string): void => {
      cleanup();
      reject(new Error(`${service.name} ${why}; log tail:\n${service.logTail()}`));
    };
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const parsed = parseLine(line);
        if (parsed?.msg === msg) {
          cleanup();
          resolve(parsed);
          return;
        }
      }
    };
    const onExit = (): void =>
      fail(`exited with ${service.proc.exitCode ?? service.proc.signalCode}`);
    const cleanup = (): void => {
      clearTimeout(timer);
      service.proc.stdout?.off('data', onData);
      service.proc.off('exit', onExit);
    };
    service.proc.stdout?.on('data', onData);
    service.proc.once('exit', onExit);
  });
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
