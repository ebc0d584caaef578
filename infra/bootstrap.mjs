// Bootstrap behind `npm start` and `npm test`. Plain Node with no npm
// dependencies, because it runs before `npm install`:
//   1. installs the npm dependencies when node_modules is missing or stale;
//   2. checks the system tools: nats-server 2.10 or newer, a static busybox,
//      and a container engine (`start`: Podman with runc, or Docker;
//      `test`: both). As root with apt-get it installs what is missing,
//      otherwise it says in one sentence what is missing and exits with 1;
//   3. `start` runs the local fleet (infra/fleet.ts), forwarding signals
//      (and SIGTERM, through the kernel, should this process be killed);
//      `test` makes sure dockerd answers, then runs typecheck, lint, unit
//      and integration tests, stopping at the first failure.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const STATE_DIR = join(ROOT, '.commando');
const DOCKER_SOCKET = '/var/run/docker.sock';
const TEST_STEPS = ['typecheck', 'lint', 'test:unit', 'test:integration'];

// Debian's stable (bookworm) ships nats-server 2.9; 2.10 comes from trixie,
// pinned low so that nothing else is taken from it unless asked for.
const TRIXIE_SOURCE = `Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;
const TRIXIE_PIN = `Package: *
Pin: release n=trixie
Pin-Priority: 100
`;

function step(line) {
  console.log(`bootstrap: ${line}`);
}

/** Stops with one sentence on stderr. */
function fail(sentence, code = 1) {
  console.error(`bootstrap: ${sentence}`);
  process.exit(code);
}

// ---- 1. npm dependencies ----------------------------------------------------

/**
 * npm rewrites node_modules/.package-lock.json on every install, so its age
 * (rather than the directory's) says whether node_modules matches the lock.
 */
function ensureDependencies() {
  const lock = join(ROOT, 'package-lock.json');
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  const hasLock = existsSync(lock);
  if (existsSync(installed) && (!hasLock || mtime(installed) >= mtime(lock))) return;
  const command = hasLock ? 'ci' : 'install';
  step(`installing npm dependencies (npm ${command})`);
  const code = runInherited('npm', [command]);
  if (code !== 0) fail(`npm ${command} failed (exit ${code}); see its output above.`, code);
}

function mtime(path) {
  return statSync(path).mtimeMs;
}

// ---- 2. system tools ----------------------------------------------------------

/** Finds an executable on PATH or in the sbin directories a user's PATH lacks. */
function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function natsServerVersion() {
  const binary = which('nats-server');
  if (!binary) return undefined;
  const out = execFileSync(binary, ['--version'], { encoding: 'utf8' });
  const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(out);
  return match ? match.slice(1, 4).map(Number) : undefined;
}

function natsServerOk() {
  const [major = 0, minor = 0] = natsServerVersion() ?? [];
  return major > 2 || (major === 2 && minor >= 10);
}

/** `ldd` fails on a static binary ("not a dynamic executable"). */
function staticBusyboxOk() {
  if (!existsSync('/bin/busybox')) return false;
  return spawnSync('ldd', ['/bin/busybox'], { stdio: 'ignore' }).status !== 0;
}

/** The tools this project needs, how to check each, and how to get it. */
const TOOLS = {
  nats: {
    what: 'nats-server 2.10 or newer',
    ok: natsServerOk,
    install: installNatsServer,
    how: "Debian trixie's nats-server package or a release from github.com/nats-io/nats-server",
  },
  busybox: {
    what: 'a static busybox at /bin/busybox',
    ok: staticBusyboxOk,
    install: () => aptInstall(['busybox-static']),
    how: 'apt-get install busybox-static',
  },
  podman: {
    what: 'Podman with runc',
    ok: () => Boolean(which('podman') && which('runc')),
    install: () => aptInstall(['podman', 'runc']),
    how: 'apt-get install podman runc',
  },
  docker: {
    what: "Docker's dockerd",
    ok: () => Boolean(which('dockerd')),
    install: () => aptInstall(['docker.io']),
    how: 'apt-get install docker.io',
  },
};

/**
 * `start` needs one engine: COMMANDO_ENGINE's, where `auto` (the default,
 * also when empty) means Podman when installed, else Docker when installed,
 * else Podman to install. `test` needs both.
 */
function requiredTools(mode) {
  if (mode === 'test') return [TOOLS.nats, TOOLS.busybox, TOOLS.podman, TOOLS.docker];
  const choice = process.env.COMMANDO_ENGINE || 'auto';
  if (!['podman', 'docker', 'auto'].includes(choice)) {
    fail(`COMMANDO_ENGINE must be podman, docker or auto, not "${choice}".`);
  }
  const auto = choice === 'auto';
  const useDocker = choice === 'docker' || (auto && !TOOLS.podman.ok() && TOOLS.docker.ok());
  return [TOOLS.nats, TOOLS.busybox, useDocker ? TOOLS.docker : TOOLS.podman];
}

function ensureTools(mode) {
  const missing = requiredTools(mode).filter((tool) => !tool.ok());
  if (missing.length === 0) return;
  if (!canInstall()) {
    const list = missing.map((tool) => `${tool.what} (${tool.how})`).join(', ');
    fail(
      `Missing ${list}: install them, or run npm ${mode} as root on Debian or Ubuntu to have them installed.`,
    );
  }
  for (const tool of missing) tool.install();
  const still = missing.filter((tool) => !tool.ok());
  if (still.length > 0) {
    const list = still.map((tool) => tool.what).join(', ');
    fail(`Still missing ${list} after apt-get; see ${aptLog()} and install them by hand.`);
  }
}

function canInstall() {
  return process.getuid?.() === 0 && Boolean(which('apt-get'));
}

// ---- apt-get ---------------------------------------------------------------

let aptUpdated = false;

function aptLog() {
  return join(STATE_DIR, 'apt.log');
}

/** Runs apt-get non-interactively, its output into .commando/apt.log. */
function aptGet(args) {
  mkdirSync(STATE_DIR, { recursive: true });
  const log = openSync(aptLog(), 'a');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const result = spawnSync('apt-get', args, { env, stdio: ['ignore', log, log] });
  if (result.status !== 0) fail(`apt-get ${args.join(' ')} failed; see ${aptLog()}.`);
}

function aptUpdate(force = false) {
  if (aptUpdated && !force) return;
  step('updating the package lists (apt-get update)');
  aptGet(['update']);
  aptUpdated = true;
}

function aptInstall(packages, options = []) {
  aptUpdate();
  step(
    `installing ${packages.join(', ')} (apt-get install ${[...options, ...packages].join(' ')})`,
  );
  aptGet(['install', '-y', ...options, ...packages]);
}

function installNatsServer() {
  if (osCodename() !== 'bookworm') return aptInstall(['nats-server']);
  if (addTrixieSource()) aptUpdate(true);
  aptInstall(['nats-server'], ['-t', 'trixie']);
}

/** Adds Debian trixie as a low-priority source; true when something was written. */
function addTrixieSource() {
  const source = '/etc/apt/sources.list.d/trixie.sources';
  const pin = '/etc/apt/preferences.d/trixie-pin';
  if (existsSync(source) && existsSync(pin)) return false;
  step('adding Debian trixie as a package source, pinned to priority 100, for nats-server 2.10');
  writeFileSync(source, TRIXIE_SOURCE);
  writeFileSync(pin, TRIXIE_PIN);
  return true;
}

function osCodename() {
  try {
    return /^VERSION_CODENAME=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

// ---- 3. running ---------------------------------------------------------------

function runInherited(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  return result.status ?? 1;
}

function dockerAnswers() {
  return new Promise((resolve) => {
    const req = request({ socketPath: DOCKER_SOCKET, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Starts dockerd detached (it outlives us) unless it already answers. */
async function ensureDockerd() {
  if (await dockerAnswers()) return;
  if (process.getuid?.() !== 0) {
    fail(
      'dockerd is not running; start it (e.g. sudo systemctl start docker) and run npm test again.',
    );
  }
  const logFile = join(STATE_DIR, 'dockerd.log');
  step(`starting dockerd in the background (log: ${logFile})`);
  mkdirSync(STATE_DIR, { recursive: true });
  const log = openSync(logFile, 'a');
  const dockerd = spawn(which('dockerd') ?? 'dockerd', [], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  dockerd.unref();
  let exited = false;
  dockerd.on('exit', () => (exited = true));
  for (let waited = 0; waited < 60_000 && !exited; waited += 500) {
    if (await dockerAnswers()) return;
    await delay(500);
  }
  // A dockerd whose socket file was deleted still holds its pid file: a new one exits at once.
  if (exited)
    fail(
      `dockerd exited at once; see ${logFile} (another dockerd may be running without its socket).`,
    );
  fail(`dockerd did not answer on ${DOCKER_SOCKET} within 60 s; see ${logFile}.`);
}

async function runTests() {
  await ensureDockerd();
  for (const script of TEST_STEPS) {
    step(`npm run ${script}`);
    const code = runInherited('npm', ['run', script]);
    if (code !== 0) fail(`npm run ${script} failed (exit ${code}).`, code);
  }
  step('all tests passed');
}

/**
 * Runs the fleet as a child and forwards signals to it. A Ctrl-C in the
 * terminal reaches it directly too; the fleet treats repeats as one. Through
 * `setpriv --pdeathsig` (util-linux) the kernel sends it SIGTERM should this
 * process die without forwarding anything (kill -9): the fleet then stops
 * what it started, as on Ctrl-C.
 */
function runFleet() {
  const fleet = [process.execPath, '--import', 'tsx', 'infra/fleet.ts'];
  const setpriv = which('setpriv');
  const [command, ...args] = setpriv ? [setpriv, '--pdeathsig', 'TERM', '--', ...fleet] : fleet;
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (osConstants.signals[signal] ?? 0));
  });
}

async function main() {
  const mode = process.argv[2];
  if (mode !== 'start' && mode !== 'test') fail('usage: node infra/bootstrap.mjs start|test', 2);
  ensureDependencies();
  ensureTools(mode);
  if (mode === 'start') runFleet();
  else await runTests();
}

await main();
