import { Option, type Command } from 'commander';
import { ApiClient, isRecord } from '../api.ts';
import { ApiError } from '../errors.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../output.ts';

/** `-o, --output`, which every command takes. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format')
    .choices(OUTPUT_FORMATS)
    .default('table');
}

/** What a command's action needs: the API client and the chosen output format. */
export interface CommandContext {
  api: ApiClient;
  format: OutputFormat;
}

/** Reads the global `--api` and `--timeout` and the command's `-o` from commander. */
export function contextOf(command: Command): CommandContext {
  const opts = command.optsWithGlobals<{ api: string; timeout: number; output: OutputFormat }>();
  return { api: new ApiClient(opts.api, opts.timeout), format: opts.output };
}

/**
 * Takes the list under `key` out of an answer such as `{replicas: [...]}`.
 * Only the envelope is checked: the items are shown as the launcher sent
 * them, so a launcher one version apart still gets its data displayed
 * instead of refused.
 */
export function listOf<T>(data: unknown, key: string): T[] {
  const list = isRecord(data) ? data[key] : undefined;
  if (!Array.isArray(list)) {
    throw new ApiError(`the API answered without the expected "${key}" list`, { status: 200 });
  }
  return list as T[];
}

/** Checks that an answer is an object before it is read as `T`. */
export function objectOf<T>(data: unknown, what: string): T {
  if (!isRecord(data)) {
    throw new ApiError(`the API answered without the expected ${what}`, { status: 200 });
  }
  return data as T;
}
