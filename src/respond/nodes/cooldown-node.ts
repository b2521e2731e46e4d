import type { RuleContext, RuleMessage, RuleNode } from './rule-node.js';

export type CooldownOptions = Record<string, never>;

/** Key of "the same action of the same rule on the same machine". */
export function actionKey(msg: RuleMessage): string {
  const a = msg.action;
  const what = a.kind === 'notify' ? `notify:${a.team}` : `${a.kind}:${a.command}`;
  return `${msg.rule.id}\u0000${msg.alert.machineId}\u0000${what}`;
}

/**
 * No repeat of a rule's action on one machine within the rule's `cooldownMs` (so a re-raised alert
 * doesn't send a second command seconds after the first). Outputs: `pass`, `cooldown`.
 */
export class CooldownNode implements RuleNode<CooldownOptions> {
  readonly type = 'cooldown';
  readonly version = 1;
  readonly outputs = ['pass', 'cooldown'] as const;
  private readonly lastMs = new Map<string, number>();

  init(): void {}

  async onMessage(ctx: RuleContext, msg: RuleMessage): Promise<void> {
    const now = ctx.nowMs();
    const key = actionKey(msg);
    const last = this.lastMs.get(key);
    if (msg.rule.cooldownMs > 0 && last !== undefined && now - last < msg.rule.cooldownMs) {
      msg.record.status = 'cooldown';
      msg.record.detail = `same action on ${msg.alert.machineId} ${Math.round((now - last) / 1000)} s ago; rule cooldown ${Math.round(msg.rule.cooldownMs / 1000)} s`;
      ctx.tellNext(msg, 'cooldown');
      return;
    }
    this.lastMs.set(key, now);
    // Keep the map bounded: forget entries whose cooldown has long passed.
    if (this.lastMs.size > 100_000) for (const [k, t] of this.lastMs) if (now - t > 24 * 3_600_000) this.lastMs.delete(k);
    ctx.tellNext(msg, 'pass');
  }

  async close(): Promise<void> {
    this.lastMs.clear();
  }
}
