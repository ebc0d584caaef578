import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { EngineError } from './errors.ts';
import { DockerApiEngine } from './docker.ts';
import type { Engine } from './types.ts';

export const DEFAULT_SOCKETS = {
  podman: '/run/podman/podman.sock',
  docker: '/var/run/docker.sock',
} as const;

export type EngineChoice = 'podman' | 'docker' | 'auto';

/**
 * Opens the engine an agent should use: an explicit socket wins; otherwise
 * `podman` or `docker` take their default socket, and `auto` takes Podman's
 * socket when it answers, then Docker's. Podman comes first because it needs
 * no long-running daemon: its containers keep running with no API service.
 */
export async function openEngine(choice: EngineChoice, socket?: string): Promise<Engine> {
  if (socket) return checked(new DockerApiEngine(socket));
  if (choice !== 'auto') return checked(new DockerApiEngine(DEFAULT_SOCKETS[choice]));
  for (const path of [DEFAULT_SOCKETS.podman, DEFAULT_SOCKETS.docker]) {
    if (!(await exists(path))) continue;
    try {
      return await checked(new DockerApiEngine(path));
    } catch {
      // try the next one
    }
  }
  throw new EngineError(
    `no container engine answers at ${DEFAULT_SOCKETS.podman} or ${DEFAULT_SOCKETS.docker}; ` +
      'start `podman system service` or dockerd, or set COMMANDO_ENGINE_SOCKET',
  );
}

async function checked(engine: Engine): Promise<Engine> {
  await engine.info();
  return engine;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
