import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../../infra/engines.ts';
import { logLine, startLogged, waitUntil } from '../../infra/processes.ts';

/** One service started as a real process for a test. */
export interface ServiceProcess {
  name: string;
  proc: ChildProcess;
  logFile: string;
  /** The JSON log line whose `msg` said the service was ready. */
  ready: Record<string, unknown>;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  alive(): boolean;
  logTail(lines?: number): string;
}

const logDir = mkdtempSync(join(tmpdir(), 'commando-test-logs-'));
process.on('exit', () => {
  // Logs of a failed run are kept for a look; a green run leaves nothing.
  if (!process.exitCode) rmSync(logDir, { recursive: true, force: true });
});

/**
 * Starts `node --import tsx <entry>` with `env` (through the local fleet's
 * process helpers: logged to a file, killed should the test process die)
 * and waits until it logs a line whose `msg` is `readyMsg`. The log's tail
 * is part of every failure message.
 */
export async function startService(
  name: string,
  entry: string,
  env: Record<string, string>,
  readyMsg: string,
  timeoutMs = 30_000,
): Promise<ServiceProcess> {
  const logFile = join(logDir, `${name}-${Date.now()}.log`);
  const args = ['--import', 'tsx', join(PROJECT_ROOT, entry)];
  const child = startLogged(name, process.execPath, args, {
    logFile,
    cwd: PROJECT_ROOT,
    env: { ...process.env, COMMANDO_LOG_LEVEL: 'debug', ...env },
  });
  const logTail = (lines = 30): string =>
    readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  let ready: Record<string, unknown> | undefined;
  const logged = async (): Promise<boolean> =>
    (ready = await logLine(logFile, 0, readyMsg)) !== undefined;
  try {
    await waitUntil(`${name} to log "${readyMsg}"`, logged, timeoutMs, child);
  } catch (err) {
    await child.stop();
    throw new Error(`${(err as Error).message}; log tail:\n${logTail()}`);
  }
  return {
    name,
    proc: child.proc,
    logFile,
    ready: ready ?? {},
    alive: () => child.running(),
    kill: async (signal = 'SIGTERM') => {
      if (child.running()) child.proc.kill(signal);
      await child.exited;
    },
    logTail,
  };
}
