/**
 * E-mail notifications through a real SMTP server (smtp-server, MIT-0, on port 0): the message
 * arrives with its recipients, subject and body; a server that refuses the recipient is a
 * failure outcome.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResponder, SmtpNotifier } from '../../src/respond/index.js';
import { anomaly, silentLogger } from '../../src/respond/test-fixtures.js';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

let server: SMTPServer;
let port: number;
const inbox: Mail[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      // The sink refuses one mailbox, as a real relay refuses an unknown user.
      if (address.address.startsWith('nobody@')) return callback(Object.assign(new Error('550 no such user'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function notifier(recipientsByTeam: Record<string, string[]>) {
  return new SmtpNotifier({ host: '127.0.0.1', port, ignoreTLS: true, from: 'plantwatch@plant.example', recipientsByTeam, timeoutMs: 3_000 });
}

describe('e-mail notifications (real SMTP server)', () => {
  it('delivers the alert to the team', async () => {
    const responder = createResponder({
      logger: silentLogger(),
      notifiers: [notifier({ maintenance: ['maint@plant.example', 'lead@plant.example'] })],
      options: { tickMs: null, escalation: [] },
    });
    const { alert } = await responder.onAnomaly(anomaly({ type: 'abnormal_vibration', machineId: 'asm-005', areaId: 'assembly-1', machineType: 'assembly' }));
    await responder.idle();
    const mail = inbox.find((m) => m.raw.includes(alert.id));
    expect(mail).toBeDefined();
    expect(mail!.from).toBe('plantwatch@plant.example');
    expect(mail!.to).toEqual(['maint@plant.example', 'lead@plant.example']);
    expect(mail!.raw).toMatch(/Subject: \[MEDIUM\] abnormal vibration on asm-005 \(assembly-1\)/);
    expect(mail!.raw).toMatch(/X-Plantwatch-Alert: /);
    expect(mail!.raw).toMatch(/Inspect bearings/);
    const [action] = await responder.listActions({ alertId: alert.id });
    expect(action).toMatchObject({ status: 'sent', team: 'maintenance' });
    expect(action!.detail).toMatch(/by console, email; not configured: webhook/);
    await responder.close();
  });

  it('a refused recipient is a failure outcome with the server answer', async () => {
    const responder = createResponder({ logger: silentLogger(), notifiers: [notifier({ technical: ['nobody@plant.example'] })], options: { tickMs: null, escalation: [] } });
    const { alert } = await responder.onAnomaly(anomaly({ type: 'connection_failure' }));
    await responder.idle();
    const [action] = await responder.listActions({ alertId: alert.id });
    expect(action).toMatchObject({ status: 'failed' });
    expect(action!.detail).toMatch(/email: PW_ERR_NOTIFY_SMTP: SMTP 127\.0\.0\.1:\d+ refused the message for technical: .*550/);
    await responder.close();
  });

  it('an SMTP server that is not there is a failure outcome, not a crash', async () => {
    const n = new SmtpNotifier({ host: '127.0.0.1', port: 1, ignoreTLS: true, from: 'a@b.example', recipientsByTeam: { it: ['it@b.example'] }, timeoutMs: 1_000 });
    const responder = createResponder({ logger: silentLogger(), notifiers: [n], options: { tickMs: null, escalation: [] } });
    const { alert } = await responder.onAnomaly(anomaly({ type: 'sensor_disconnected' }));
    await responder.idle();
    const [action] = await responder.listActions({ alertId: alert.id });
    expect(action).toMatchObject({ status: 'failed' });
    expect(action!.detail).toMatch(/PW_ERR_NOTIFY_SMTP/);
    await responder.close();
  });
});
