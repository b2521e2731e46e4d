/**
 * Webhook notifications against a real local HTTP server (node:http on port 0): delivered, a 500,
 * and a server that never answers. A failing webhook is a failure outcome; the responder carries on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineCommand } from '../../src/domain/index.js';
import { createResponder, WebhookNotifier, type CommandDispatcher, type DispatchResult, type WebhookPayload } from '../../src/respond/index.js';
import { anomaly, silentLogger } from '../../src/respond/test-fixtures.js';

let server: Server;
let base: string;
const received: Array<{ path: string; body: WebhookPayload; contentType: string | undefined }> = [];
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      if (path === '/slow') {
        hanging.push(res); // never answers
        return;
      }
      received.push({ path, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload, contentType: req.headers['content-type'] });
      if (path === '/fail') {
        res.writeHead(500).end('database on fire');
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

class AckAll implements CommandDispatcher {
  readonly sent: MachineCommand[] = [];
  async dispatch(command: MachineCommand): Promise<DispatchResult> {
    this.sent.push(command);
    const t = Date.now();
    return { status: 'acked', attempts: 1, firstSentAtMs: t, lastSentAtMs: t, ackAtMs: t, ack: null, detail: null };
  }
  async close(): Promise<void> {}
}

function responderWith(urlByTeam: Record<string, string>, timeoutMs = 300) {
  const dispatcher = new AckAll();
  const responder = createResponder({
    logger: silentLogger(),
    dispatcher,
    notifiers: [new WebhookNotifier({ urlByTeam, timeoutMs })],
    options: { tickMs: null, escalation: [] },
  });
  return { responder, dispatcher };
}

describe('webhook notifications (real HTTP server)', () => {
  it('POSTs the alert as JSON to the team URL', async () => {
    const { responder } = responderWith({ maintenance: `${base}/maintenance` });
    const { alert } = await responder.onAnomaly(anomaly({ type: 'abnormal_vibration', machineId: 'asm-007', areaId: 'assembly-1', machineType: 'assembly' }));
    await responder.idle();
    const hit = received.find((r) => r.path === '/maintenance');
    expect(hit?.contentType).toBe('application/json');
    expect(hit?.body).toMatchObject({ team: 'maintenance', reason: 'rule', ruleId: 'abnormal-vibration', alert: { id: alert.id, machineId: 'asm-007', type: 'abnormal_vibration' } });
    expect(hit?.body.text).toMatch(/Inspect bearings/);
    const [action] = await responder.listActions({ alertId: alert.id });
    expect(action).toMatchObject({ status: 'sent' });
    await responder.close();
  });

  it('a 500 is a failure outcome naming the status; the responder carries on', async () => {
    const { responder, dispatcher } = responderWith({ maintenance: `${base}/fail` });
    const { alert } = await responder.onAnomaly(anomaly({ type: 'abnormal_vibration' }));
    await responder.idle();
    const [action] = await responder.listActions({ alertId: alert.id });
    expect(action).toMatchObject({ status: 'failed' });
    expect(action!.detail).toMatch(/webhook: PW_ERR_NOTIFY_WEBHOOK_STATUS: webhook http:\/\/127\.0\.0\.1:\d+\/fail answered 500, expected 2xx: database on fire/);
    const outcome = (await responder.audit({ actionId: action!.id, category: 'action.outcome' }))[0];
    expect(outcome).toMatchObject({ outcome: 'failed', ruleId: 'abnormal-vibration' });
    await responder.onAnomaly(anomaly({ machineId: 'wld-002' }));
    await responder.idle();
    expect(dispatcher.sent.map((c) => c.type)).toEqual(['cooling']);
    await responder.close();
  });

  it('a server that never answers times out (failure outcome) within the timeout', async () => {
    const { responder, dispatcher } = responderWith({ it: `${base}/slow` }, 300);
    const t0 = Date.now();
    const { alert } = await responder.onAnomaly(anomaly({ type: 'sensor_disconnected', dataQuality: true }));
    // Meanwhile the responder keeps working.
    await responder.onAnomaly(anomaly({ machineId: 'wld-003' }));
    await responder.idle();
    const elapsed = Date.now() - t0;
    const [action] = await responder.listActions({ alertId: alert.id });
    expect(action).toMatchObject({ status: 'failed' });
    expect(action!.detail).toMatch(/PW_ERR_NOTIFY_WEBHOOK_TIMEOUT: .* did not answer within 300 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5_000);
    expect(dispatcher.sent).toHaveLength(1);
    await responder.close();
  });

  it('a team without a URL fails with PW_ERR_NOTIFY_NO_ROUTE', async () => {
    const n = new WebhookNotifier({ urlByTeam: {} });
    const { responder } = responderWith({});
    const { alert } = await responder.onAnomaly(anomaly());
    await expect(n.send({ id: 'n1', team: 'it', reason: 'rule', ruleId: 'r', level: 0, subject: 's', text: 't', alert, tsMs: 0 })).rejects.toMatchObject({ code: 'PW_ERR_NOTIFY_NO_ROUTE' });
    await responder.close();
  });
});
