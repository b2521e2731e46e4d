/**
 * Contract suite for the responder's persistence ports (STYLE 7: one suite for every adapter).
 * The in-memory repositories run it in memory-repositories.test.ts; a SQLite or PostgreSQL adapter
 * runs the same suite from its own test: `runRespondRepositoryContract('sqlite', () => open())`.
 */
import { describe, expect, it } from 'vitest';
import type { ActionRecord, Alert, AuditEntry } from '../domain/index.js';
import type { RespondRepositories } from './ports.js';

function alert(id: string, over: Partial<Alert> = {}): Alert {
  return {
    id,
    machineId: 'wld-001',
    areaId: 'welding-1',
    machineType: 'welding',
    type: 'overheating',
    state: 'active_unacknowledged',
    urgency: 'high',
    peakUrgency: 'high',
    dataQuality: false,
    score: 0.7,
    peakScore: 0.9,
    threshold: 0.4,
    count: 2,
    raisedAtMs: 1_000,
    lastSeenAtMs: 2_000,
    detectedAtMs: 990,
    ingestedAtMs: 995,
    scoredAtMs: 998,
    acknowledgedAtMs: null,
    acknowledgedBy: null,
    ackComment: null,
    clearedAtMs: null,
    closedAtMs: null,
    shelvedUntilMs: null,
    shelvedBy: null,
    suppressedReason: null,
    conditionActive: true,
    groupedAlertIds: [],
    floodAlertId: null,
    escalationLevel: 0,
    lastEscalatedAtMs: null,
    sensors: ['temperature'],
    context: {
      sensors: [{ sensor: 'temperature', score: 0.7, actual: 80.5, predicted: 66, threshold: 0.4, direction: 'above' }],
      peakSensors: [{ sensor: 'temperature', score: 0.9, actual: 83, predicted: 66, threshold: 0.4, direction: 'above' }],
      recent: [{ tsMs: 990, values: { temperature: 80.5, humidity: null } }],
    },
    recommendation: 'Check the cooling loop.',
    ...over,
  };
}

function action(id: string, over: Partial<ActionRecord> = {}): ActionRecord {
  return {
    id,
    alertId: 'a1',
    machineId: 'wld-001',
    ruleId: 'overheating-cooling',
    kind: 'automatic',
    command: 'cooling',
    commandArgs: { on: true },
    commandId: 'c1',
    team: null,
    channels: [],
    status: 'acked',
    detail: null,
    attempts: 1,
    dryRun: false,
    decidedBy: null,
    alertRaisedAtMs: 1_000,
    decidedAtMs: 1_001,
    sentAtMs: 1_002,
    ackAtMs: 1_010,
    finishedAtMs: 1_010,
    effect: { cleared: true, clearedAfterMs: 20_000, decidedAtMs: 30_000 },
    ...over,
  };
}

function entry(id: string, over: Partial<AuditEntry> = {}): AuditEntry {
  return { id, tsMs: 1_000, category: 'action.outcome', alertId: 'a1', actionId: 'x1', ruleId: 'r', machineId: 'wld-001', actor: 'system', action: 'automatic:cooling', outcome: 'acked', detail: { attempts: 1, path: ['gate:pass'] }, ...over };
}

/** Registers the contract tests for one adapter; `create` returns fresh, empty repositories. */
export function runRespondRepositoryContract(name: string, create: () => Promise<RespondRepositories> | RespondRepositories): void {
  describe(`respond repositories contract: ${name}`, () => {
    it('alerts round-trip exactly; save replaces by id; open alerts exclude closed ones', async () => {
      const { alerts } = await create();
      await alerts.saveAlert(alert('a1'));
      await alerts.saveAlert(alert('a2', { state: 'closed', closedAtMs: 5_000, raisedAtMs: 2_000 }));
      expect(await alerts.getAlert('a1')).toEqual(alert('a1'));
      expect(await alerts.getAlert('missing')).toBeUndefined();
      expect((await alerts.listOpenAlerts()).map((a) => a.id)).toEqual(['a1']);
      await alerts.saveAlert(alert('a1', { state: 'active_acknowledged', acknowledgedBy: 'olga', count: 3 }));
      expect(await alerts.getAlert('a1')).toMatchObject({ state: 'active_acknowledged', acknowledgedBy: 'olga', count: 3 });
    });

    it('alert queries filter by machine, area, type, state, time; newest first; limit', async () => {
      const { alerts } = await create();
      await alerts.saveAlert(alert('a1', { raisedAtMs: 1_000 }));
      await alerts.saveAlert(alert('a2', { raisedAtMs: 2_000, machineId: 'wld-002', type: 'high_energy' }));
      await alerts.saveAlert(alert('a3', { raisedAtMs: 3_000, areaId: 'paint-1', state: 'closed' }));
      expect((await alerts.listAlerts({})).map((a) => a.id)).toEqual(['a3', 'a2', 'a1']);
      expect((await alerts.listAlerts({ machineId: 'wld-002' })).map((a) => a.id)).toEqual(['a2']);
      expect((await alerts.listAlerts({ areaId: 'paint-1' })).map((a) => a.id)).toEqual(['a3']);
      expect((await alerts.listAlerts({ type: 'overheating' })).map((a) => a.id)).toEqual(['a3', 'a1']);
      expect((await alerts.listAlerts({ states: ['closed'] })).map((a) => a.id)).toEqual(['a3']);
      expect((await alerts.listAlerts({ fromMs: 2_000, toMs: 3_000 })).map((a) => a.id)).toEqual(['a2']);
      expect((await alerts.listAlerts({ limit: 1 })).map((a) => a.id)).toEqual(['a3']);
    });

    it('transitions are kept per alert, oldest first', async () => {
      const { alerts } = await create();
      await alerts.addTransition({ alertId: 'a1', from: null, to: 'active_unacknowledged', tsMs: 1, actor: 'system', reason: 'raise' });
      await alerts.addTransition({ alertId: 'a2', from: null, to: 'suppressed', tsMs: 2, actor: 'system', reason: 'raise' });
      await alerts.addTransition({ alertId: 'a1', from: 'active_unacknowledged', to: 'active_acknowledged', tsMs: 3, actor: 'olga', reason: 'acknowledge', comment: 'on it' });
      expect(await alerts.listTransitions('a1')).toEqual([
        { alertId: 'a1', from: null, to: 'active_unacknowledged', tsMs: 1, actor: 'system', reason: 'raise' },
        { alertId: 'a1', from: 'active_unacknowledged', to: 'active_acknowledged', tsMs: 3, actor: 'olga', reason: 'acknowledge', comment: 'on it' },
      ]);
      expect(await alerts.listTransitions('none')).toEqual([]);
    });

    it('actions round-trip, update by id, and filter by alert, machine and status', async () => {
      const { actions } = await create();
      await actions.saveAction(action('x1', { decidedAtMs: 1 }));
      await actions.saveAction(action('x2', { decidedAtMs: 2, kind: 'recommended', status: 'pending_approval', alertId: 'a2', machineId: 'wld-002', effect: null, finishedAtMs: null }));
      expect(await actions.getAction('x1')).toEqual(action('x1', { decidedAtMs: 1 }));
      expect((await actions.listActions({})).map((a) => a.id)).toEqual(['x2', 'x1']);
      expect((await actions.listActions({ statuses: ['pending_approval'] })).map((a) => a.id)).toEqual(['x2']);
      expect((await actions.listActions({ alertId: 'a1' })).map((a) => a.id)).toEqual(['x1']);
      expect((await actions.listActions({ machineId: 'wld-002' })).map((a) => a.id)).toEqual(['x2']);
      await actions.saveAction(action('x2', { decidedAtMs: 2, kind: 'recommended', status: 'approved', decidedBy: 'olga', alertId: 'a2', machineId: 'wld-002' }));
      expect(await actions.getAction('x2')).toMatchObject({ status: 'approved', decidedBy: 'olga' });
      expect(await actions.listActions({ statuses: ['pending_approval'] })).toEqual([]);
    });

    it('the audit log appends and filters, oldest first', async () => {
      const { audit } = await create();
      await audit.append(entry('e1', { tsMs: 1 }));
      await audit.append(entry('e2', { tsMs: 2, category: 'alert.transition', actionId: null, actor: 'olga' }));
      await audit.append(entry('e3', { tsMs: 3, alertId: 'a9' }));
      expect((await audit.query({})).map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
      expect(await audit.query({ category: 'alert.transition' })).toEqual([entry('e2', { tsMs: 2, category: 'alert.transition', actionId: null, actor: 'olga' })]);
      expect((await audit.query({ alertId: 'a9' })).map((e) => e.id)).toEqual(['e3']);
      expect((await audit.query({ actionId: 'x1', fromMs: 2 })).map((e) => e.id)).toEqual(['e3']);
      expect((await audit.query({ limit: 2 })).map((e) => e.id)).toEqual(['e1', 'e2']);
    });

    it('stored values are copies: changing what was saved or read changes nothing stored', async () => {
      const { alerts } = await create();
      const a = alert('a1');
      await alerts.saveAlert(a);
      a.count = 99;
      const read = (await alerts.getAlert('a1'))!;
      read.context.sensors.length = 0;
      expect(await alerts.getAlert('a1')).toEqual(alert('a1'));
    });
  });
}
