import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StartBackoff } from './backoff.ts';

describe('StartBackoff', () => {
  function clock(): { now: () => number; advance: (ms: number) => void } {
    let t = 0;
    return { now: () => t, advance: (ms) => (t += ms) };
  }

  it('lets a replica that never failed start at once', () => {
    assert.equal(new StartBackoff().waiting('web-0', 'h1'), undefined);
  });

  it('doubles the wait after each failure in a row, up to the maximum', () => {
    const c = clock();
    const backoff = new StartBackoff(1000, 5000, c.now);
    const waits = [1, 2, 3, 4, 5].map(() => {
      const failed = backoff.fail('web-0', 'h1', 'port taken');
      c.advance(failed.notBefore - c.now());
      return failed.notBefore;
    });
    assert.deepEqual(waits, [1000, 3000, 7000, 12000, 17000]);
  });

  it('holds the replica back until its time has come', () => {
    const c = clock();
    const backoff = new StartBackoff(1000, 60_000, c.now);
    backoff.fail('web-0', 'h1', 'port taken');
    c.advance(999);
    assert.equal(backoff.waiting('web-0', 'h1')?.message, 'port taken');
    c.advance(1);
    assert.equal(backoff.waiting('web-0', 'h1'), undefined);
  });

  it('starts over for a new template', () => {
    const c = clock();
    const backoff = new StartBackoff(1000, 60_000, c.now);
    backoff.fail('web-0', 'h1', 'image missing');
    backoff.fail('web-0', 'h1', 'image missing');
    assert.equal(backoff.waiting('web-0', 'h2'), undefined);
    assert.equal(backoff.fail('web-0', 'h2', 'image missing').failures, 1);
  });

  it('tells a repeated failure from a new one, so each is reported once', () => {
    const backoff = new StartBackoff();
    assert.equal(backoff.fail('web-0', 'h1', 'a').repeated, false);
    assert.equal(backoff.fail('web-0', 'h1', 'a').repeated, true);
    assert.equal(backoff.fail('web-0', 'h1', 'b').repeated, false);
  });

  it('forgets a replica after success or when it is no longer here', () => {
    const backoff = new StartBackoff();
    backoff.fail('web-0', 'h1', 'a');
    backoff.fail('web-1', 'h1', 'a');
    backoff.succeed('web-0');
    backoff.retain(new Set(['web-0']));
    assert.equal(backoff.waiting('web-0', 'h1'), undefined);
    assert.equal(backoff.waiting('web-1', 'h1'), undefined);
  });
});
