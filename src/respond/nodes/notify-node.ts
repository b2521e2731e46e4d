import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { NotifyChannel } from '../../domain/index.js';
import { describeNotification, type Notification, type Notifier } from '../notify/notifier.js';
import { errorMessage, type RuleContext, type RuleMessage, type RuleNode } from './rule-node.js';

export const notifyOptionsSchema = z.object({ /** Decide and record, send nothing. */ dryRun: z.boolean() }).strict();
export type NotifyNodeOptions = z.infer<typeof notifyOptionsSchema>;

/**
 * Sends the notification on every channel the action names that has a notifier. Channels without
 * one are skipped and named in the detail. Outputs: `success` (every configured channel took it),
 * `failure` (any refused, or none configured), `dry_run`.
 */
export class NotifyNode implements RuleNode<NotifyNodeOptions> {
  readonly type = 'notify';
  readonly version = 1;
  readonly outputs = ['success', 'failure', 'dry_run'] as const;
  private options: NotifyNodeOptions = { dryRun: false };
  private readonly byChannel = new Map<NotifyChannel, Notifier>();

  constructor(notifiers: readonly Notifier[]) {
    for (const n of notifiers) this.byChannel.set(n.channel, n);
  }

  init(options: Partial<NotifyNodeOptions> = {}): void {
    this.options = notifyOptionsSchema.parse({ dryRun: false, ...options });
  }

  async onMessage(ctx: RuleContext, msg: RuleMessage): Promise<void> {
    const a = msg.action;
    if (a.kind !== 'notify') return ctx.tellFailure(msg, new Error(`notify node got a ${a.kind} action`));
    const { subject, text } = describeNotification(msg.alert, a.team, msg.reason === 'escalation' ? 'escalation' : 'rule', msg.level);
    const n: Notification = { id: randomUUID(), team: a.team, reason: msg.reason === 'escalation' ? 'escalation' : 'rule', ruleId: msg.rule.id, level: msg.level, subject, text, alert: msg.alert, tsMs: ctx.nowMs() };
    const configured = a.channels.filter((c) => this.byChannel.has(c));
    const skipped = a.channels.filter((c) => !this.byChannel.has(c));
    const skipNote = skipped.length ? `; not configured: ${skipped.join(', ')}` : '';
    if (this.options.dryRun) {
      msg.record.status = 'dry_run';
      msg.record.detail = `dry run: would notify ${a.team} by ${configured.join(', ') || 'nothing'}${skipNote}`;
      return ctx.tellNext(msg, 'dry_run');
    }
    if (configured.length === 0) {
      msg.record.status = 'failed';
      return ctx.tellFailure(msg, new Error(`no notifier configured for ${a.channels.join(', ')}`));
    }
    msg.record.sentAtMs = ctx.nowMs();
    msg.record.attempts = 1;
    const results = await Promise.allSettled(configured.map((c) => this.byChannel.get(c)!.send(n)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${configured[i]}: ${errorMessage(r.reason)}`] : []));
    const ok = configured.filter((_, i) => results[i]!.status === 'fulfilled');
    if (failed.length > 0) {
      msg.record.status = 'failed';
      msg.record.detail = `failed ${failed.join('; ')}${ok.length ? `; sent: ${ok.join(', ')}` : ''}${skipNote}`;
      return ctx.tellNext(msg, 'failure');
    }
    msg.record.status = 'sent';
    msg.record.detail = `sent to ${a.team} by ${ok.join(', ')}${skipNote}`;
    ctx.tellNext(msg, 'success');
  }

  async close(): Promise<void> {}
}
