// `npm run fleet:down [-- --purge]`: stops what a killed `npm start` left
// running (the processes recorded in .commando/fleet.json), then removes the
// containers that the local fleet left running, from Podman and from Docker,
// found by their labels (managed by Commando, on node local-1). Containers
// of other nodes, such as those of a test run, are left alone. `--purge`
// also removes the example image (that tag only) from both engines and
// deletes .commando/ (NATS data, logs, sockets).
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { podmanEnv, removeManagedContainers, STATE_DIR } from './engines.ts';
import {
  podmanNodeContainers,
  removeDockerImage,
  removePodmanImage,
  runningDocker,
} from './fleet-engines.ts';
import {
  describeRecorded,
  readRecord,
  removeRecord,
  stillRunning,
  stopRecorded,
} from './fleet-record.ts';
import { apiAnswers, API_URL, EXAMPLE, NODE_LABELS, shown } from './local-fleet.ts';
import { findExecutable } from './processes.ts';

function say(line: string): void {
  console.log(`fleet:down: ${line}`);
}

function refuse(sentence: string): never {
  console.error(`fleet:down: ${sentence}`);
  process.exit(1);
}

/**
 * Stops the processes a killed `npm start` left, newest first (agent before
 * NATS). Refuses while that `npm start` itself still runs: it would restart
 * them, and its agent would start the containers again.
 */
async function stopLeftovers(): Promise<void> {
  const record = readRecord();
  if (!record) return;
  const { pid } = record.supervisor;
  if (stillRunning(record.supervisor)) {
    refuse(
      `the local fleet still runs (npm start, pid ${pid}); stop it with Ctrl-C in its ` +
        `terminal (or kill ${pid}) first.`,
    );
  }
  for (const child of [...record.children].reverse().filter(stillRunning)) {
    await stopRecorded(child);
    say(`stopped the ${describeRecorded(child)}, left by a killed npm start (pid ${pid})`);
  }
  removeRecord();
}

/** Through the CLI: Podman needs no API service to remove its containers. */
function downPodman(purge: boolean): void {
  if (!findExecutable('podman')) return;
  const ids = podmanNodeContainers();
  if (ids.length > 0) {
    execFileSync('podman', ['rm', '-f', ...ids], { env: podmanEnv(), stdio: 'ignore' });
  }
  say(`removed ${ids.length} container(s) from Podman`);
  if (purge) say(removePodmanImage(EXAMPLE.image));
}

async function downDocker(purge: boolean): Promise<void> {
  if (!findExecutable('dockerd')) return;
  const engine = await runningDocker();
  if (!engine) {
    say(
      'Docker is not running; nothing removed there (start dockerd and run this again if needed)',
    );
    return;
  }
  say(`removed ${await removeManagedContainers(engine, NODE_LABELS)} container(s) from Docker`);
  if (purge) say(await removeDockerImage(EXAMPLE.image));
}

async function main(): Promise<void> {
  const purge = process.argv.includes('--purge');
  await stopLeftovers();
  if (await apiAnswers()) {
    // Not a recorded fleet (an older npm start, or one run by hand): its
    // agent would start the containers again at once.
    refuse(`a launcher still answers on ${API_URL}; stop it (and its node agent) first.`);
  }
  downPodman(purge);
  await downDocker(purge);
  if (purge) {
    await rm(STATE_DIR, { recursive: true, force: true });
    say(`deleted ${shown(STATE_DIR)}/`);
  }
}

await main();
