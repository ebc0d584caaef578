// The local fleet's processes, recorded in .commando/fleet.json while
// `npm start` runs, so that what a killed `npm start` left behind can be
// found and stopped (`npm run fleet:down`). A recorded pid counts only while
// /proc/<pid>/cmdline still reads as recorded: pids are reused, and nothing
// here may ever signal a process that is not the one it started.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { STATE_DIR } from './engines.ts';

export const RECORD_FILE = join(STATE_DIR, 'fleet.json');

export interface RecordedProcess {
  /** As the operator reads it: "node agent", "nats-server". */
  name: string;
  pid: number;
  /** Its command line, as /proc/<pid>/cmdline shows it. */
  argv: string[];
}

export interface FleetRecord {
  /** The `npm start` process (infra/fleet.ts) that supervises the others. */
  supervisor: RecordedProcess;
  /** In start order: nats-server, the Podman API service, launcher, node agent. */
  children: RecordedProcess[];
}

/** The record of the last `npm start`, or undefined when there is none (or it is unreadable). */
export function readRecord(): FleetRecord | undefined {
  let parsed: Partial<FleetRecord>;
  try {
    parsed = JSON.parse(readFileSync(RECORD_FILE, 'utf8')) as Partial<FleetRecord>;
  } catch {
    return undefined;
  }
  const { supervisor, children } = parsed;
  if (!isRecorded(supervisor) || !Array.isArray(children) || !children.every(isRecorded)) {
    return undefined;
  }
  return { supervisor, children };
}

function isRecorded(p: unknown): p is RecordedProcess {
  const r = p as Partial<RecordedProcess> | undefined;
  return (
    typeof r?.name === 'string' &&
    Number.isInteger(r.pid) &&
    Array.isArray(r.argv) &&
    r.argv.every((a) => typeof a === 'string')
  );
}

/** Writes through a rename, so that a reader never sees half a file. */
export function writeRecord(record: FleetRecord): void {
  mkdirSync(STATE_DIR, { recursive: true });
  const temp = `${RECORD_FILE}.${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temp, RECORD_FILE);
}

export function removeRecord(): void {
  rmSync(RECORD_FILE, { force: true });
}

/** This process as a record entry. */
export function recordSelf(name: string): RecordedProcess {
  return { name, pid: process.pid, argv: cmdline(process.pid) ?? process.argv };
}

/** The command line of `pid`; undefined when it is gone. A zombie has none. */
function cmdline(pid: number): string[] | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    argv.pop(); // the text ends with a NUL
    return argv.length > 0 ? argv : undefined;
  } catch {
    return undefined;
  }
}

/** True while `p.pid` lives and still runs the recorded command line. */
export function stillRunning(p: RecordedProcess): boolean {
  const argv = cmdline(p.pid);
  return argv !== undefined && argv.join('\0') === p.argv.join('\0');
}

/** "node agent (pid 123)" */
export function describeRecorded(p: RecordedProcess): string {
  return `${p.name} (pid ${p.pid})`;
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; each signal only while the pid
 * still runs what was recorded. Resolves once it no longer does.
 */
export async function stopRecorded(p: RecordedProcess, graceMs = 15_000): Promise<void> {
  signal(p, 'SIGTERM');
  if (await gone(p, graceMs)) return;
  signal(p, 'SIGKILL');
  await gone(p, 5_000);
}

function signal(p: RecordedProcess, sig: NodeJS.Signals): void {
  if (!stillRunning(p)) return;
  try {
    process.kill(p.pid, sig);
  } catch {
    // it exited between the check and the signal
  }
}

async function gone(p: RecordedProcess, timeoutMs: number): Promise<boolean> {
  for (let waited = 0; waited < timeoutMs; waited += 200) {
    if (!stillRunning(p)) return true;
    await delay(200);
  }
  return !stillRunning(p);
}
