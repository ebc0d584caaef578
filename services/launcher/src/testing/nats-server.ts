import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A JetStream-enabled nats-server owned by one test file. */
export interface TestNatsServer {
  url: string;
  stop(): Promise<void>;
}

const READY_LINE = 'Server is ready';
const START_TIMEOUT_MS = 15_000;

/**
 * Starts `nats-server -js` on a free loopback port with its store in a new
 * temporary folder; `stop` ends it and removes the folder. Fails with a
 * clear message when nats-server is not installed: these tests never skip.
 */
export async function startNatsServer(): Promise<TestNatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'commando-launcher-test-'));
  const port = await freePort();
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    await whenReady(child);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  // A test process that dies without running its `after` hooks must not
  // leave a server behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `nats://127.0.0.1:${port}`,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function whenReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      reject(new Error(`nats-server did not become ready in time; its log:\n${log}`));
    }, START_TIMEOUT_MS);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = err.code === 'ENOENT';
      const hint = 'nats-server 2.10 must be on PATH (Debian: apt-get install nats-server)';
      reject(
        new Error(missing ? `nats-server is not installed: ${hint}` : err.message, { cause: err }),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with code ${code} before it was ready:\n${log}`));
    });
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (!log.includes(READY_LINE)) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      // Keep reading so the server never blocks on a full pipe, but stop keeping it.
      child.stderr?.off('data', onData).resume();
      resolve();
    };
    child.stderr?.on('data', onData);
  });
}

/** A port that was free a moment ago; the OS picks it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
