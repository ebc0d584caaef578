import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EVAL_CONSUMER, evalSubject, Streams } from '@commando/protocol';
import type { Assignment } from '@commando/protocol';
import { EventPublisher, Leases } from '@commando/bus';
import type { KV } from '@commando/bus';
import { defaultRetryDelay, EvalWorker, evalEnqueuer } from './evals.ts';
import { Reconciler } from './reconcile.ts';
import { eventually, nodeRecord, startHarness } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';
import { startTriggers } from './triggers.ts';

let h: Harness;

before(async () => {
  h = await startHarness();
});

after(async () => {
  await h?.stop();
});

async function assignmentKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of await h.state.assignments.keys()) keys.push(key);
  return keys.sort();
}

async function until(keys: string[]): Promise<void> {
  const want = [...keys].sort();
  await eventually(
    async () => JSON.stringify(await assignmentKeys()) === JSON.stringify(want),
    `assignments are ${want.join(', ')}`,
  );
}

async function assignment(key: string): Promise<Assignment> {
  const entry = await h.state.assignments.get(key);
  assert.ok(entry, `assignment ${key} exists`);
  return entry.json<Assignment>();
}

/** Types of the events about one subject, oldest first, read over HTTP. */
async function eventTypes(subject: string): Promise<string[]> {
  const res = await h.app.inject({ method: 'GET', url: '/v1/events' });
  return res.body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { event: { type: string; subject: string } }).event)
    .filter((e) => e.subject === subject)
    .map((e) => e.type.replace('io.commando.', ''));
}

function reconciler(assignments: KV = h.state.assignments): Reconciler {
  const events = new EventPublisher(h.state.js, 'commando://launcher/test', h.logger);
  return new Reconciler({ state: { ...h.state, assignments }, events, logger: h.logger });
}

describe('the evaluation stream on a real server', () => {
  it('keeps one pending request per deployment and delivers it once', async () => {
    const enqueue = evalEnqueuer(h.state.js);
    await enqueue('coalesce', 'first');
    await enqueue('coalesce', 'second');
    await enqueue('coalesce', 'third');
    await enqueue('other', 'only');
    const info = await h.state.jsm.streams.info(Streams.evals);
    assert.equal(info.state.messages, 2);

    const consumer = await h.state.js.consumers.get(Streams.evals, EVAL_CONSUMER);
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) {
      const msg = await consumer.next({ expires: 5000 });
      assert.ok(msg, 'a message is delivered');
      seen.push(msg.string());
      msg.ack();
    }
    assert.deepEqual(seen.map((s) => JSON.parse(s) as unknown).sort(), [
      { deployment: 'coalesce', reason: 'third' },
      { deployment: 'other', reason: 'only' },
    ]);
    assert.equal(await consumer.next({ expires: 1000 }), null);
  });
});

describe('EvalWorker with the reconciler', () => {
  it('places, scales, updates and removes replicas as deployments change', async () => {
    const r = reconciler();
    const worker = new EvalWorker({
      js: h.state.js,
      leases: new Leases(h.state.leases, 'test'),
      evaluate: (d) => r.evaluate(d),
      logger: h.logger,
    });
    worker.start();
    try {
      await h.state.nodes.put('n1', JSON.stringify(nodeRecord('n1')));
      await h.state.nodes.put('n2', JSON.stringify(nodeRecord('n2')));
      await h.service.apply({ name: 'e2e', image: 'x:1', replicas: 3 });
      await until(['n1.e2e-0', 'n2.e2e-1', 'n1.e2e-2']);

      await h.service.scale('e2e', 1);
      await until(['n1.e2e-0']);

      await h.service.apply({ name: 'e2e', image: 'x:2', replicas: 1 });
      await eventually(
        async () => (await assignment('n1.e2e-0')).templateVersion === 2,
        'template 2',
      );
      const updated = await assignment('n1.e2e-0');
      assert.deepEqual([updated.template.image, updated.epoch], ['x:2', 1]);

      await h.service.delete('e2e');
      await until([]);
    } finally {
      await worker.stop();
    }
    assert.deepEqual(await eventTypes('e2e-1'), ['replica.placed']);
  });

  it('retries a failed evaluation until it succeeds', async () => {
    const calls: string[] = [];
    let done!: () => void;
    const succeeded = new Promise<void>((resolve) => (done = resolve));
    const evaluate = (deployment: string): Promise<void> => {
      if (deployment !== 'flaky') return Promise.resolve();
      calls.push(deployment);
      if (calls.length === 1) return Promise.reject(new Error('lost a race'));
      done();
      return Promise.resolve();
    };
    const worker = new EvalWorker({
      js: h.state.js,
      leases: new Leases(h.state.leases, 'test'),
      evaluate,
      logger: h.logger,
      retryDelayMs: () => 0,
    });
    worker.start();
    await evalEnqueuer(h.state.js)('flaky', 'test');
    await succeeded;
    await worker.stop();
    assert.deepEqual(calls, ['flaky', 'flaky']);
  });

  it('never lets two launchers evaluate one deployment at the same time', async () => {
    let inside = 0;
    let most = 0;
    let runs = 0;
    const evaluate = async (deployment: string): Promise<void> => {
      if (deployment !== 'busy') return;
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 200));
      inside--;
      runs++;
    };
    const workers = ['a', 'b'].map(
      (name) =>
        new EvalWorker({
          js: h.state.js,
          evaluate,
          leases: new Leases(h.state.leases, name),
          logger: h.logger,
          retryDelayMs: () => 50,
        }),
    );
    for (const w of workers) w.start();
    const enqueue = evalEnqueuer(h.state.js);
    // Each request replaces the one being worked on, which is then
    // delivered at once, most likely to the other worker.
    for (let i = 0; i < 5; i++) {
      await enqueue('busy', `burst ${i}`);
      await new Promise((r) => setTimeout(r, 60));
    }
    const deadline = Date.now() + 10_000;
    while ((await h.state.jsm.streams.info(Streams.evals)).state.messages > 0 || inside > 0) {
      assert.ok(Date.now() < deadline, 'the queue drains');
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(workers.map((w) => w.stop()));
    assert.equal(most, 1);
    assert.ok(runs >= 2, `the request made during an evaluation ran after it (runs: ${runs})`);
  });

  it('drops a malformed request and goes on with the next one', async () => {
    const calls: string[] = [];
    let done!: () => void;
    const handled = new Promise<void>((resolve) => (done = resolve));
    const evaluate = (deployment: string): Promise<void> => {
      calls.push(deployment);
      if (deployment === 'good') done();
      return Promise.resolve();
    };
    await h.state.js.publish(evalSubject('junk'), 'not json at all');
    await h.state.js.publish(evalSubject('junk2'), JSON.stringify({ deployment: 'Not Valid' }));
    await evalEnqueuer(h.state.js)('good', 'test');
    const worker = new EvalWorker({
      js: h.state.js,
      evaluate,
      leases: new Leases(h.state.leases, 'test'),
      logger: h.logger,
    });
    worker.start();
    await handled;
    await worker.stop();
    assert.deepEqual(
      calls.filter((c) => c.startsWith('junk') || c === 'good'),
      ['good'],
    );
    assert.equal((await h.state.jsm.streams.info(Streams.evals)).state.messages, 0);
  });

  it('backs off from half a second to at most thirty', () => {
    assert.deepEqual([1, 2, 3, 10, 100].map(defaultRetryDelay), [500, 1000, 2000, 30_000, 30_000]);
  });
});

describe('Reconciler', () => {
  it('fails an evaluation whose write lost a race, and the next one converges', async () => {
    await h.state.nodes.put('n1', JSON.stringify(nodeRecord('n1')));
    await h.service.apply({ name: 'racy', image: 'x:1', replicas: 1 });
    const kv = h.state.assignments;
    // Another launcher writes the same key between this one's read and write.
    const racing = Object.create(kv) as KV;
    racing.create = async (key, data) => {
      await kv.create(key, data);
      return kv.create(key, data);
    };
    await assert.rejects(reconciler(racing).evaluate('racy'));
    const plan = await reconciler().evaluate('racy');
    assert.deepEqual(plan.writes, []);
    assert.deepEqual(
      (await assignmentKeys()).filter((k) => k.includes('racy')),
      ['n1.racy-0'],
    );
  });

  it('reports a replica unplaced once, not on every evaluation', async () => {
    const ready = (await h.service.nodes()).filter((n) => n.ready).length;
    const ports = [{ container: 80, host: 9999 }];
    await h.service.apply({ name: 'crowded', image: 'x:1', replicas: ready + 1, ports });
    const r = reconciler();
    const first = await r.evaluate('crowded');
    const second = await r.evaluate('crowded');
    const last = `crowded-${ready}`;
    assert.deepEqual([first.unplaced, second.unplaced], [[last], [last]]);
    assert.deepEqual(await eventTypes(last), ['replica.unplaced']);
  });
});

describe('triggers', () => {
  it('queues every deployment at start, orphans included, and again when a node changes', async () => {
    const calls: string[] = [];
    const waiters: { match: string; resolve: () => void }[] = [];
    const enqueue = (deployment: string, reason: string): Promise<void> => {
      calls.push(`${deployment}:${reason}`);
      for (const w of waiters.filter((w) => `${deployment}:${reason}` === w.match)) w.resolve();
      return Promise.resolve();
    };
    const seen = (match: string): Promise<void> =>
      calls.includes(match)
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ match, resolve }));

    await h.service.apply({ name: 'trig', image: 'x:1' });
    await h.state.assignments.put('n9.orphan-0', '{}');
    const triggers = await startTriggers({
      state: h.state,
      enqueue,
      logger: h.logger,
      intervalMs: 3_600_000,
    });
    try {
      assert.ok(calls.includes('trig:launcher started'));
      assert.ok(calls.includes('orphan:launcher started'));

      await h.state.nodes.put('n-new', JSON.stringify(nodeRecord('n-new')));
      await seen('trig:node changed');

      calls.length = 0;
      await h.state.nodes.put(
        'n-new',
        JSON.stringify({ ...nodeRecord('n-new'), status: 'stopped' }),
      );
      await seen('trig:node changed');
    } finally {
      triggers.stop();
      await h.state.assignments.delete('n9.orphan-0');
    }
  });

  it('queues every deployment periodically', async () => {
    await h.service.apply({ name: 'periodic', image: 'x:1' });
    let resolve!: () => void;
    const periodic = new Promise<void>((r) => (resolve = r));
    const enqueue = (deployment: string, reason: string): Promise<void> => {
      if (deployment === 'periodic' && reason === 'periodic') resolve();
      return Promise.resolve();
    };
    const triggers = await startTriggers({
      state: h.state,
      enqueue,
      logger: h.logger,
      intervalMs: 100,
    });
    try {
      await periodic;
    } finally {
      triggers.stop();
    }
  });
});
