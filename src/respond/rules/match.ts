import type { Alert } from '../../domain/index.js';
import { urgencyRank } from '../../domain/index.js';
import type { Rule, RuleCondition } from './rules-schema.js';

/** The value a condition field has on an alert; undefined when the alert lacks it (the condition fails). */
export function conditionValue(alert: Alert, field: string): number | undefined {
  switch (field) {
    case 'score':
      return alert.score;
    case 'peakScore':
      return alert.peakScore;
    case 'scoreRatio':
      return alert.threshold > 0 ? alert.score / alert.threshold : undefined;
    case 'count':
      return alert.count;
  }
  const m = /^sensor\.([a-z_]+)\.(actual|predicted|residual|score)$/.exec(field);
  if (!m) return undefined;
  const ev = alert.context.sensors.find((s) => s.sensor === m[1]);
  if (!ev) return undefined;
  if (m[2] === 'predicted') return ev.predicted;
  if (m[2] === 'score') return ev.score;
  if (ev.actual === null) return undefined;
  return m[2] === 'actual' ? ev.actual : ev.actual - ev.predicted;
}

function holds(c: RuleCondition, alert: Alert): boolean {
  const v = conditionValue(alert, c.field);
  if (v === undefined) return false;
  switch (c.op) {
    case '>':
      return v > c.value;
    case '>=':
      return v >= c.value;
    case '<':
      return v < c.value;
    case '<=':
      return v <= c.value;
    case '==':
      return v === c.value;
    case '!=':
      return v !== c.value;
  }
}

/** Whether a rule applies to an alert (type, urgency, machine type, area, data quality, conditions). */
export function ruleMatches(rule: Rule, alert: Alert): boolean {
  if (!rule.enabled) return false;
  const m = rule.match;
  if (!m.types.includes(alert.type)) return false;
  if (urgencyRank(alert.urgency) < urgencyRank(m.minUrgency)) return false;
  if (m.machineTypes && (alert.machineType === null || !m.machineTypes.includes(alert.machineType))) return false;
  if (m.areas && !m.areas.includes(alert.areaId)) return false;
  if (m.dataQuality !== undefined && m.dataQuality !== alert.dataQuality) return false;
  return m.conditions.every((c) => holds(c, alert));
}

/** Rules that apply, in file order, up to and including the first matching `final` rule. */
export function matchingRules(rules: readonly Rule[], alert: Alert): Rule[] {
  const out: Rule[] = [];
  for (const r of rules) {
    if (!ruleMatches(r, alert)) continue;
    out.push(r);
    if (r.final) break;
  }
  return out;
}
