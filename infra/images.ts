// Builds the NATS server image that docker-compose.yml runs, into the local
// Docker (or the engine whose API socket is given): there is no registry to
// pull nats from, so it is made from this machine's own nats-server.
//   node --import tsx infra/images.ts [socket]
import { DEFAULT_SOCKETS, DockerApiEngine } from '@commando/engine';
import { buildNatsImage } from './engines.ts';

/** The tag docker-compose.yml refers to. */
const NATS_IMAGE = 'localhost/commando-nats:2.10';

const engine = new DockerApiEngine(process.argv[2] ?? DEFAULT_SOCKETS.docker);
await buildNatsImage(engine, NATS_IMAGE);
console.log(`images: built ${NATS_IMAGE} on ${engine.socketPath}`);
