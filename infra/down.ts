// `npm run fleet:down [-- --purge]`: removes the containers that the local
// fleet (`npm start`) left running, from Podman and from Docker, found by
// their labels (managed by Commando, on node local-1). Containers of other
// nodes, such as those of a test run, are left alone. `--purge` also deletes
// .commando/ (NATS data, logs, sockets).
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { ContainerLabels } from '@commando/protocol';
import { DEFAULT_SOCKETS, DockerApiEngine } from '@commando/engine';
import { podmanEnv, removeManagedContainers, STATE_DIR } from './engines.ts';
import { apiAnswers, API_URL, NODE_ID, shown } from './local-fleet.ts';
import { findExecutable } from './processes.ts';

const LABELS = { [ContainerLabels.managed]: 'true', [ContainerLabels.node]: NODE_ID };

function say(line: string): void {
  console.log(`fleet:down: ${line}`);
}

/** Through the CLI: Podman needs no API service to remove its containers. */
function downPodman(): void {
  if (!findExecutable('podman')) return;
  const filters = Object.entries(LABELS).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
  const env = podmanEnv();
  const ids = execFileSync('podman', ['ps', '-a', '-q', ...filters], { env, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  if (ids.length > 0) execFileSync('podman', ['rm', '-f', ...ids], { env, stdio: 'ignore' });
  say(`removed ${ids.length} container(s) from Podman`);
}

async function downDocker(): Promise<void> {
  if (!findExecutable('dockerd')) return;
  const engine = new DockerApiEngine(DEFAULT_SOCKETS.docker);
  try {
    await engine.info();
  } catch {
    say(
      'Docker is not running; nothing removed there (start dockerd and run this again if needed)',
    );
    return;
  }
  say(`removed ${await removeManagedContainers(engine, LABELS)} container(s) from Docker`);
}

async function main(): Promise<void> {
  if (await apiAnswers()) {
    // Its agent would start the containers again at once.
    console.error(
      `fleet:down: the local fleet still runs (${API_URL} answers); stop npm start first.`,
    );
    process.exit(1);
  }
  downPodman();
  await downDocker();
  if (process.argv.includes('--purge')) {
    await rm(STATE_DIR, { recursive: true, force: true });
    say(`deleted ${shown(STATE_DIR)}/`);
  }
}

await main();
