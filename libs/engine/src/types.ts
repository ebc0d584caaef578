import type { ContainerSpec, EngineKind, PublishedPort } from '@commando/protocol';

/** What an engine says about itself and its host. */
export interface EngineInfo {
  kind: EngineKind;
  version: string;
  apiVersion: string;
  cpus: number;
  memoryBytes: number;
}

/**
 * The engine's state of a container, as Docker's API names it. `created`
 * never started, `exited` and `dead` stopped, `restarting` between a crash
 * and the engine's restart.
 */
export type ContainerState =
  'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** A container as found through its labels. */
export interface FoundContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** From the engine's status line when it exited, e.g. `Exited (1) ...`. */
  exitCode?: number;
  ports: PublishedPort[];
}

/** One container to create and start. */
export interface RunRequest {
  name: string;
  template: ContainerSpec;
  labels: Record<string, string>;
}

/**
 * One local container engine. Implementations talk to Docker's Engine API,
 * which Podman's API service also serves, so one driver covers both.
 */
export interface Engine {
  readonly socketPath: string;
  info(): Promise<EngineInfo>;
  /** Containers, running or not, carrying every one of `labels`. */
  list(labels: Record<string, string>): Promise<FoundContainer[]>;
  hasImage(ref: string): Promise<boolean>;
  /** Pulls an image; fails with ImageUnavailableError when no registry has it. */
  pull(ref: string): Promise<void>;
  /** Creates and starts a container, returning it as the engine reports it. */
  run(req: RunRequest): Promise<FoundContainer>;
  /** Stops (waiting up to `graceSeconds`) and removes; absent is fine. */
  remove(id: string, graceSeconds: number): Promise<void>;
  /** Builds `contextDir` with its `file` (Containerfile by default) as `tag`. */
  build(contextDir: string, tag: string, file?: string): Promise<void>;
  /**
   * Calls `onChange` when a container with `labels` changes state; a wake-up
   * for reconcilers, which must still poll (events can be missed).
   */
  watch(labels: Record<string, string>, onChange: () => void): Promise<() => void>;
}
