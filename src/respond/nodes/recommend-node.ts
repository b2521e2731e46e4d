import type { RuleContext, RuleMessage, RuleNode } from './rule-node.js';

export type RecommendOptions = Record<string, never>;

/**
 * Turns the action into a recommendation that waits for an operator (paper 3.7: "alerts and
 * recommendations that require human intervention"). Approval sends the command. Output: `pending`.
 */
export class RecommendNode implements RuleNode<RecommendOptions> {
  readonly type = 'recommend';
  readonly version = 1;
  readonly outputs = ['pending', 'failure'] as const;

  init(): void {}

  async onMessage(ctx: RuleContext, msg: RuleMessage): Promise<void> {
    const a = msg.action;
    if (a.kind === 'notify') return ctx.tellFailure(msg, new Error('a notify action cannot be a recommendation'));
    const fromInterlock = msg.record.kind === 'automatic';
    msg.record.kind = 'recommended';
    msg.record.status = 'pending_approval';
    const args = a.loadFactor !== undefined ? ` (load factor ${a.loadFactor})` : a.on === false ? ' (off)' : '';
    const why = fromInterlock ? `${msg.record.detail ?? 'interlock'}; ` : '';
    msg.record.detail = `${why}recommend ${a.command.replace(/_/g, ' ')}${args} on ${msg.alert.machineId}: waiting for an operator's approval`;
    ctx.tellNext(msg, 'pending');
  }

  async close(): Promise<void> {}
}
