import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../domain/index.js';
import { createMemoryRepositories } from './memory-repositories.js';
import { createResponder } from './responder.js';
import { anomaly, ManualClock, silentLogger } from './test-fixtures.js';
import { WriteBehindRepositories } from './write-behind.js';
import type { CommandDispatcher } from './dispatch/command-dispatcher.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function entry(id: string): AuditEntry {
  return { id, tsMs: 1, category: 'test', actor: 'system', action: null, outcome: 'ok', alertId: null, actionId: null, ruleId: null, machineId: null, detail: {} };
}

describe('WriteBehindRepositories', () => {
  it('writes on the next event-loop turn, coalesces saves of one alert, and reads see earlier writes', async () => {
    const inner = createMemoryRepositories();
    const repos = new WriteBehindRepositories(inner, silentLogger());
    const clock = new ManualClock();
    const { alert } = await createResponder({ logger: silentLogger(), clock, options: { tickMs: null, writeBehind: false } }).onAnomaly(anomaly());
    await repos.alerts.saveAlert(alert);
    await repos.alerts.saveAlert({ ...alert, count: 7 });
    await repos.audit.append(entry('a1'));
    expect(await inner.alerts.getAlert(alert.id)).toBeUndefined();
    expect(await inner.audit.query({})).toEqual([]);
    await turn();
    expect((await inner.alerts.getAlert(alert.id))?.count).toBe(7);
    expect((await inner.audit.query({})).map((e) => e.id)).toEqual(['a1']);
    expect(repos.counters).toMatchObject({ written: 2, coalesced: 1, failed: 0 });
    // A read flushes first: no turn needed.
    await repos.audit.append(entry('a2'));
    expect((await repos.audit.query({})).map((e) => e.id)).toEqual(['a1', 'a2']);
  });

  it('a failing write is counted and logged; the writes after it still land', async () => {
    const inner = createMemoryRepositories();
    const append = inner.audit.append.bind(inner.audit);
    inner.audit.append = async (e) => {
      if (e.id === 'bad') throw new Error('disk full');
      return append(e);
    };
    const repos = new WriteBehindRepositories(inner, silentLogger());
    for (const id of ['a1', 'bad', 'a2']) await repos.audit.append(entry(id));
    await repos.flush();
    expect((await inner.audit.query({})).map((e) => e.id)).toEqual(['a1', 'a2']);
    expect(repos.counters).toMatchObject({ written: 2, failed: 1 });
  });

  it('in the responder the command goes out before the decision is written; idle() writes it all', async () => {
    const inner = createMemoryRepositories();
    const seenAtDispatch: string[][] = [];
    const dispatcher: CommandDispatcher = {
      async dispatch(command) {
        seenAtDispatch.push((await inner.audit.query({})).map((e) => e.category));
        return { status: 'acked', attempts: 1, firstSentAtMs: command.issuedAtMs, lastSentAtMs: command.issuedAtMs, ackAtMs: command.issuedAtMs, ack: null, detail: null };
      },
      async close() {},
    };
    const r = createResponder({ logger: silentLogger(), clock: new ManualClock(), dispatcher, repositories: inner, options: { tickMs: null } });
    await r.start();
    await r.onAnomaly(anomaly({ type: 'overheating' }));
    await r.idle();
    expect(seenAtDispatch).toEqual([[]]);
    const categories = (await inner.audit.query({})).map((e) => e.category);
    expect(categories).toEqual(expect.arrayContaining(['alert.transition', 'rule.decision', 'action.outcome']));
    expect((await inner.actions.listActions({})).map((a) => `${a.command}:${a.status}`)).toEqual(['cooling:acked']);
    expect(r.writeCounters()?.written).toBeGreaterThanOrEqual(5);
    await r.close();
  });
});
