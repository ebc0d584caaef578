import Table from 'cli-table3';
import { stringify } from 'yaml';

/** `-o` choices: a table for people, JSON and YAML of the API's own data for scripts. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Writes to stdout, ending with exactly one newline. */
export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a note for people to stderr, so stdout stays data only. */
export function writeNote(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Prints `data` as JSON or YAML unchanged, or calls `table` for the people's view. */
export function printData(format: OutputFormat, data: unknown, table: () => string): void {
  if (format === 'json') writeOut(JSON.stringify(data, null, 2));
  else if (format === 'yaml') writeOut(stringify(data));
  else writeOut(table());
}

/** Column gap of the borderless tables, like `kubectl get` and `podman ps`. */
const GAP = '   ';

const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: GAP,
};

/**
 * Renders rows under a header as aligned columns without borders or colour,
 * so the output reads well and still splits on whitespace in scripts.
 */
export function renderTable(head: readonly string[], rows: readonly string[][]): string {
  const table = new Table({
    head: [...head],
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  table.push(...rows.map((row) => [...row]));
  return trimLines(table.toString());
}

/** Renders `key value` pairs, one a line, for the view of one object. */
export function renderFields(fields: readonly (readonly [string, string])[]): string {
  const table = new Table({
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  table.push(...fields.map(([key, value]) => [key, value]));
  return trimLines(table.toString());
}

function trimLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How long ago `iso` was, in one unit: `42s`, `5m`, `3h`, `12d`. Each unit
 * runs to twice the next one so that `90s` reads better than `1m`. A time in
 * the future (clock skew between hosts) counts as now.
 */
export function formatAge(iso: string | undefined, now: number): string {
  const then = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(then)) return '-';
  const age = Math.max(0, now - then);
  if (age < 2 * MINUTE) return `${Math.floor(age / SECOND)}s`;
  if (age < 2 * HOUR) return `${Math.floor(age / MINUTE)}m`;
  if (age < 2 * DAY) return `${Math.floor(age / HOUR)}h`;
  return `${Math.floor(age / DAY)}d`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes in binary units with one decimal at most: `512B`, `1.5GiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? String(value) : String(Math.round(value * 10) / 10);
  return `${shown}${BYTE_UNITS[unit]}`;
}

/** `key=value,key=value` sorted by key, or `-` when there are none. */
export function formatPairs(pairs: Record<string, string> | undefined): string {
  const entries = Object.entries(pairs ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/** Cuts `text` to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
