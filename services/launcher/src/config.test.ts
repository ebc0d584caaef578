import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandoError } from '@commando/protocol';
import { configFromEnv } from './config.ts';

describe('configFromEnv', () => {
  it('fills in the documented defaults', () => {
    assert.deepEqual(configFromEnv({}), {
      natsUrl: 'nats://127.0.0.1:4222',
      httpHost: '127.0.0.1',
      httpPort: 8420,
      evalIntervalMs: 30_000,
    });
  });

  it('reads every variable and treats empty ones as unset', () => {
    const config = configFromEnv({
      COMMANDO_NATS_URL: 'nats://127.0.0.1:4223',
      COMMANDO_HTTP_HOST: '',
      COMMANDO_HTTP_PORT: '0',
      COMMANDO_EVAL_INTERVAL_MS: '1000',
    });
    assert.deepEqual(config, {
      natsUrl: 'nats://127.0.0.1:4223',
      httpHost: '127.0.0.1',
      httpPort: 0,
      evalIntervalMs: 1000,
    });
  });

  it('names the variable that is wrong', () => {
    assert.throws(
      () => configFromEnv({ COMMANDO_HTTP_PORT: '70000' }),
      (err: unknown) => err instanceof CommandoError && /COMMANDO_HTTP_PORT/.test(err.message),
    );
  });
});
