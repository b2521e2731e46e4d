import type { Alert, NotifyChannel, ResponseTeam } from '../../domain/index.js';

/** A message to a team about an alert (a rule's notify action or an escalation). */
export interface Notification {
  id: string;
  team: ResponseTeam;
  /** `rule` for a rule's notify action, `escalation` when an alert stayed unacknowledged. */
  reason: 'rule' | 'escalation';
  ruleId: string;
  /** Escalation level (1 = first escalation); 0 for rule notifications. */
  level: number;
  subject: string;
  text: string;
  alert: Alert;
  tsMs: number;
}

/**
 * One delivery channel. `send` resolves when the channel accepted the message and rejects with a
 * RespondError (PW_ERR_NOTIFY_*) when it did not; the notify node turns that into a `failure` output.
 */
export interface Notifier {
  readonly channel: NotifyChannel;
  send(notification: Notification): Promise<void>;
  close?(): Promise<void>;
}

/** Subject and body in plain words. */
export function describeNotification(alert: Alert, team: ResponseTeam, reason: Notification['reason'], level: number): { subject: string; text: string } {
  const what = alert.type.replace(/_/g, ' ');
  const prefix = reason === 'escalation' ? `[ESCALATION ${level}] ` : '';
  const subject = `${prefix}[${alert.urgency.toUpperCase()}] ${what} on ${alert.machineId} (${alert.areaId})`;
  const lines = [
    `To: ${team} team`,
    `Alert ${alert.id}: ${what} on machine ${alert.machineId}, area ${alert.areaId}.`,
    `Urgency ${alert.urgency}, score ${alert.score.toFixed(3)} (threshold ${alert.threshold.toFixed(3)}), seen ${alert.count} time(s), state ${alert.state}.`,
    ...alert.context.sensors.map((s) => `  ${s.sensor}: actual ${s.actual ?? 'no value'}, predicted ${s.predicted}, score ${s.score.toFixed(3)} / threshold ${s.threshold.toFixed(3)}`),
    '',
    alert.recommendation,
  ];
  if (reason === 'escalation') lines.splice(1, 0, `Nobody has acknowledged this alert since ${new Date(alert.raisedAtMs).toISOString()}.`);
  return { subject, text: lines.join('\n') };
}
