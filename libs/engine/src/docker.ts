import Docker from 'dockerode';
import type { ContainerCreateOptions, ContainerInfo } from 'dockerode';
import type { PortSpec, PublishedPort } from '@commando/protocol';
import { EngineError, ImageUnavailableError, engineError, statusOf } from './errors.ts';
import type { ContainerState, Engine, EngineInfo, FoundContainer, RunRequest } from './types.ts';

const RESTART: Record<RunRequest['template']['restart'], string> = {
  always: 'unless-stopped',
  'on-failure': 'on-failure',
  never: 'no',
};

/**
 * Engine driver over Docker's Engine API through dockerode. Podman's API
 * service (`podman system service`) serves the same API, so this one driver
 * runs containers on either; `info().kind` tells which answered.
 */
export class DockerApiEngine implements Engine {
  private readonly docker: Docker;

  constructor(readonly socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  async info(): Promise<EngineInfo> {
    try {
      const version = await this.docker.version();
      const info = (await this.docker.info()) as { NCPU?: number; MemTotal?: number };
      const podman = (version.Components ?? []).some((c) => /podman/i.test(c.Name));
      return {
        kind: podman ? 'podman' : 'docker',
        version: version.Version,
        apiVersion: version.ApiVersion,
        cpus: Number(info.NCPU ?? 0),
        memoryBytes: Number(info.MemTotal ?? 0),
      };
    } catch (err) {
      throw engineError(err, `engine at ${this.socketPath} does not answer`);
    }
  }

  async list(labels: Record<string, string>): Promise<FoundContainer[]> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    try {
      const found = await this.docker.listContainers({ all: true, filters: { label } });
      return found.map(toFound);
    } catch (err) {
      throw engineError(err, 'listing containers failed');
    }
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw engineError(err, `inspecting image ${ref} failed`);
    }
  }

  async pull(ref: string): Promise<void> {
    try {
      const stream = await this.docker.pull(ref);
      await this.follow(stream);
    } catch (err) {
      throw new ImageUnavailableError(
        `image ${ref} is not on this host and cannot be pulled`,
        statusOf(err),
        {
          cause: err,
        },
      );
    }
  }

  async run(req: RunRequest): Promise<FoundContainer> {
    let id: string | undefined;
    try {
      const created = await this.docker.createContainer(createOptions(req));
      id = created.id;
      await created.start();
      return await this.get(id);
    } catch (err) {
      // A container that was created but could not start is not left behind.
      if (id) await this.remove(id, 0).catch(() => undefined);
      throw engineError(err, `running ${req.name} failed`);
    }
  }

  async remove(id: string, graceSeconds: number): Promise<void> {
    const container = this.docker.getContainer(id);
    try {
      await container.stop({ t: graceSeconds });
    } catch (err) {
      // 304: already stopped; 404: already gone.
      const status = statusOf(err);
      if (status !== 304 && status !== 404) throw engineError(err, `stopping ${id} failed`);
    }
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      const status = statusOf(err);
      if (status !== 404 && status !== 409) throw engineError(err, `removing ${id} failed`);
    }
  }

  async build(contextDir: string, tag: string, file = 'Containerfile'): Promise<void> {
    try {
      const stream = await this.docker.buildImage(
        { context: contextDir, src: ['.'] },
        { t: tag, dockerfile: file, rm: true, forcerm: true },
      );
      await this.follow(stream);
    } catch (err) {
      throw engineError(err, `building ${tag} from ${contextDir} failed`);
    }
  }

  async watch(labels: Record<string, string>, onChange: () => void): Promise<() => void> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'], label },
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    stream.on('data', onChange);
    stream.on('error', () => undefined);
    return () => stream.destroy?.();
  }

  private async get(id: string): Promise<FoundContainer> {
    const [found] = await this.docker.listContainers({ all: true, filters: { id: [id] } });
    if (!found) throw new EngineError(`container ${id} vanished after start`, 404);
    return toFound(found);
  }

  /** Waits for a progress stream to end; an `error` line in it fails it. */
  private follow(stream: NodeJS.ReadableStream): Promise<void> {
    return new Promise((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, output: { error?: string; errorDetail?: { message?: string } }[]) => {
          const failed = output?.find((line) => line.error ?? line.errorDetail);
          if (err) reject(err);
          else if (failed)
            reject(new EngineError(failed.error ?? failed.errorDetail?.message ?? 'failed'));
          else resolve();
        },
      );
    });
  }
}

function createOptions(req: RunRequest): ContainerCreateOptions {
  const { template } = req;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of template.ports) {
    const key = `${port.container}/${port.protocol}`;
    exposed[key] = {};
    bindings[key] = [{ HostIp: port.hostIp, HostPort: port.host ? String(port.host) : '' }];
  }
  return {
    name: req.name,
    Image: template.image,
    ...(template.command ? { Entrypoint: template.command } : {}),
    ...(template.args ? { Cmd: template.args } : {}),
    Env: Object.entries(template.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...template.labels, ...req.labels },
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      RestartPolicy: { Name: RESTART[template.restart] },
    },
  };
}

function toFound(c: ContainerInfo): FoundContainer {
  const exit = /^Exited \((-?\d+)\)/.exec(c.Status ?? '');
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    image: c.Image,
    labels: c.Labels ?? {},
    state: c.State as ContainerState,
    ...(exit ? { exitCode: Number(exit[1]) } : {}),
    ports: publishedPorts(c.Ports ?? []),
  };
}

function publishedPorts(ports: ContainerInfo['Ports']): PublishedPort[] {
  const out: PublishedPort[] = [];
  for (const p of ports) {
    if (!p.PublicPort) continue;
    const protocol: PortSpec['protocol'] = p.Type === 'udp' ? 'udp' : 'tcp';
    const hostIp = p.IP && /^\d+\.\d+\.\d+\.\d+$/.test(p.IP) ? p.IP : '0.0.0.0';
    // Docker lists an IPv4 and an IPv6 binding for the same port; keep one.
    if (out.some((o) => o.container === p.PrivatePort && o.protocol === protocol)) continue;
    out.push({ container: p.PrivatePort, host: p.PublicPort, protocol, hostIp });
  }
  return out;
}
