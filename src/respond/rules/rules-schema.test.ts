import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RespondError } from '../../domain/index.js';
import { AlertManager } from '../alert-manager.js';
import { MemoryAlertRepository } from '../memory-repositories.js';
import { anomaly, ManualClock } from '../test-fixtures.js';
import { defaultRules } from './default-rules.js';
import { matchingRules } from './match.js';
import { loadRulesFile, parseRules, type RuleIssue } from './rules-schema.js';

function issuesOf(input: unknown): { message: string; issues: RuleIssue[] } {
  try {
    parseRules(input, 'rules.json');
  } catch (err) {
    expect(err).toBeInstanceOf(RespondError);
    expect((err as RespondError).code).toBe('PW_ERR_RULES_INVALID');
    return { message: (err as Error).message, issues: (err as RespondError).details!.issues as RuleIssue[] };
  }
  throw new Error('expected a validation error');
}

const ok = { id: 'ok', match: { types: ['overheating'] }, actions: [{ kind: 'automatic', command: 'cooling' }] };

describe('rules file validation', () => {
  it('names the rule index, its id, the field and the problem', () => {
    const { message, issues } = issuesOf({ version: 1, rules: [ok, { id: 'bad-cmd', match: { types: ['overheating'] }, actions: [{ kind: 'automatic', command: 'explode' }] }] });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ ruleIndex: 1, field: 'actions[0].command' });
    expect(message).toMatch(/rules\[1\] \(id "bad-cmd"\) actions\[0\]\.command: Invalid option/);
    expect(message).toMatch(/cooling/);
  });

  it('reports every problem: unknown type, bad urgency, unknown condition field, unknown key, duplicate id', () => {
    const { issues } = issuesOf({
      version: 1,
      rules: [
        { id: 'a', match: { types: ['meltdown'], minUrgency: 'extreme' }, actions: [{ kind: 'notify', team: 'maintenance', channels: ['pager'] }] },
        { id: 'b', match: { types: ['overheating'], conditions: [{ field: 'sensor.lava.actual', op: '>', value: 1 }] }, actions: [ok.actions[0]], colour: 'red' },
        { ...ok, id: 'a' },
      ],
    });
    const where = issues.map((i) => `${i.ruleIndex}:${i.field}`);
    expect(where).toEqual(expect.arrayContaining(['0:match.types[0]', '0:match.minUrgency', '0:actions[0].channels[0]', '1:match.conditions[0].field', '1:(rule)', '2:id']));
    expect(issues.find((i) => i.field === 'match.conditions[0].field')!.problem).toMatch(/sensor\.temperature\.actual/);
    expect(issues.find((i) => i.ruleIndex === 2)!.problem).toMatch(/duplicate rule id "a" \(first used by rules\[0\]\)/);
    expect(issues.find((i) => i.field === '(rule)')!.problem).toMatch(/colour/);
  });

  it('file-level problems have no rule index', () => {
    const { issues } = issuesOf({ version: 2, rules: [] });
    expect(issues[0]).toMatchObject({ ruleIndex: null, field: 'version' });
  });

  it('an action needs its fields: notify without channels, automatic without command', () => {
    const { issues } = issuesOf({ version: 1, rules: [{ id: 'x', match: { types: ['gap'] }, actions: [{ kind: 'notify', team: 'it' }, { kind: 'automatic' }] }] });
    expect(issues.map((i) => i.field)).toEqual(['actions[0].channels', 'actions[1].command']);
  });

  it('loads a file; bad JSON says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-rules-'));
    try {
      await writeFile(join(dir, 'good.json'), JSON.stringify({ version: 1, rules: [ok] }));
      await writeFile(join(dir, 'bad.json'), '{ "version": 1, ');
      expect((await loadRulesFile(join(dir, 'good.json'))).rules[0]).toMatchObject({ id: 'ok', enabled: true, cooldownMs: 300_000, final: false });
      await expect(loadRulesFile(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'PW_ERR_RULES_JSON' });
      await expect(loadRulesFile(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'PW_ERR_RULES_READ' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('default rules (paper Table 8)', () => {
  const rules = defaultRules().rules;
  async function decide(over: Parameters<typeof anomaly>[0]) {
    const m = new AlertManager(new MemoryAlertRepository(), new ManualClock());
    const { alert } = await m.onAnomaly(anomaly(over));
    return matchingRules(rules, alert).flatMap((r) => r.actions.map((a) => (a.kind === 'notify' ? `notify:${a.team}` : `${a.kind}:${a.command}`)));
  }

  it('maps every Table 8 row to its action', async () => {
    expect(await decide({ type: 'overheating' })).toEqual(['automatic:cooling']);
    expect(await decide({ type: 'abnormal_vibration' })).toEqual(['notify:maintenance']);
    expect(await decide({ type: 'high_humidity' })).toEqual(['automatic:dehumidify']);
    expect(await decide({ type: 'power_interruption' })).toEqual(['automatic:secondary_power']);
    expect(await decide({ type: 'high_emission' })).toEqual(['automatic:adjust_parameters']);
    expect(await decide({ type: 'connection_failure' })).toEqual(['notify:technical']);
    expect(await decide({ type: 'sensor_disconnected' })).toEqual(['notify:it']);
    expect(await decide({ type: 'low_cooling_pressure' })).toEqual(['automatic:secondary_pumps']);
    expect(await decide({ type: 'high_energy' })).toEqual(['recommended:reduce_load']);
    expect(await decide({ type: 'stuck_sensor', dataQuality: true })).toEqual(['notify:it']);
  });

  it('severe (critical) vibration stops the machine and notifies; the plain rule does not also fire', async () => {
    expect(await decide({ type: 'abnormal_vibration', score: 1.2, threshold: 0.4, criticality: 'high' })).toEqual(['automatic:stop', 'notify:maintenance']);
  });
});
