import type { RuleContext, RuleMessage, RuleNode } from './rule-node.js';

export type AlertGateOptions = Record<string, never>;

/**
 * Lets an action through only when the alert's state allows it. Maintenance (out of service):
 * nothing at all — commands to a machine under repair are dangerous. Shelved or grouped in a
 * flood: automatic protection still runs, but no notifications or recommendations (that is what
 * shelving and flood suppression are for, ISA-18.2).
 * Outputs: `pass`, `suppressed`.
 */
export class AlertGateNode implements RuleNode<AlertGateOptions> {
  readonly type = 'alert-gate';
  readonly version = 1;
  readonly outputs = ['pass', 'suppressed'] as const;

  init(): void {}

  async onMessage(ctx: RuleContext, msg: RuleMessage): Promise<void> {
    const { alert, action } = msg;
    let why: string | null = null;
    if (alert.state === 'closed') why = 'alert already closed';
    else if (alert.state === 'suppressed' && alert.suppressedReason === 'maintenance') why = 'machine in maintenance (out of service)';
    else if ((alert.state === 'shelved' || alert.state === 'suppressed') && action.kind !== 'automatic') why = `alert ${alert.state}${alert.suppressedReason ? ` (${alert.suppressedReason})` : ''}: only automatic actions run`;
    if (why) {
      msg.record.status = 'suppressed';
      msg.record.detail = why;
      ctx.tellNext(msg, 'suppressed');
    } else ctx.tellNext(msg, 'pass');
  }

  async close(): Promise<void> {}
}
