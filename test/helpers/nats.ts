import { GenericContainer, Wait } from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import { DockerApiEngine } from '@commando/engine';
import { buildNatsImage, ensureDockerd } from '../../infra/engines.ts';
import { STATE_DIR } from '../../infra/engines.ts';
import { join } from 'node:path';

// testcontainers' reaper image cannot be pulled here; every test stops
// what it starts instead.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

/**
 * The NATS image the tests run. No registry can be reached here, so by
 * default it is built locally from the distribution's nats-server; set
 * COMMANDO_TEST_NATS_IMAGE (e.g. `nats:2.10-alpine`) to use another.
 */
export const NATS_IMAGE = process.env.COMMANDO_TEST_NATS_IMAGE ?? 'localhost/commando-nats:test';

export interface TestNats {
  url: string;
  container: StartedTestContainer;
  stop(): Promise<void>;
}

let imageReady: Promise<void> | undefined;

async function ensureImage(): Promise<void> {
  const socket = await ensureDockerd(join(STATE_DIR, 'dockerd.log'));
  const docker = new DockerApiEngine(socket);
  if (process.env.COMMANDO_TEST_NATS_IMAGE && (await docker.hasImage(NATS_IMAGE))) return;
  // Built once per test process from the local nats-server (cached by the engine).
  await buildNatsImage(docker, NATS_IMAGE);
}

/** Starts one JetStream-enabled nats-server in a container. */
export async function startNats(): Promise<TestNats> {
  imageReady ??= ensureImage();
  await imageReady;
  const container = await new GenericContainer(NATS_IMAGE)
    .withCommand(['-js', '-sd', '/data', '-p', '4222'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  const url = `nats://127.0.0.1:${container.getMappedPort(4222)}`;
  return { url, container, stop: async () => void (await container.stop({ remove: true })) };
}
