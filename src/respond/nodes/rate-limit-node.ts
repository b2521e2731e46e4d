import { z } from 'zod';
import type { ActionKind } from '../../domain/index.js';
import type { RuleContext, RuleMessage, RuleNode } from './rule-node.js';

const limit = z.object({ max: z.number().int().min(1), perMs: z.number().int().min(1) }).strict().nullable();

export const rateLimitOptionsSchema = z
  .object({
    /** At most `max` actions of a kind per sliding `perMs` window (plant-wide); null = unlimited. */
    automatic: limit,
    recommended: limit,
    notify: limit,
  })
  .strict();

export type RateLimitOptions = z.infer<typeof rateLimitOptionsSchema>;

export const DEFAULT_RATE_LIMITS: Readonly<RateLimitOptions> = Object.freeze({
  automatic: { max: 60, perMs: 60_000 },
  recommended: { max: 60, perMs: 60_000 },
  notify: { max: 30, perMs: 60_000 },
});

/**
 * Plant-wide rate limit per action kind (sliding window), so a runaway rule or a detector fault
 * can't send hundreds of commands or e-mails a minute. Outputs: `pass`, `rate_limited`.
 */
export class RateLimitNode implements RuleNode<RateLimitOptions> {
  readonly type = 'rate-limit';
  readonly version = 1;
  readonly outputs = ['pass', 'rate_limited'] as const;
  private options: RateLimitOptions = { ...DEFAULT_RATE_LIMITS };
  private readonly sent = new Map<ActionKind, number[]>();

  init(options: Partial<RateLimitOptions> = {}): void {
    this.options = rateLimitOptionsSchema.parse({ ...DEFAULT_RATE_LIMITS, ...options });
  }

  async onMessage(ctx: RuleContext, msg: RuleMessage): Promise<void> {
    const kind = msg.action.kind;
    const lim = this.options[kind];
    if (!lim) return ctx.tellNext(msg, 'pass');
    const now = ctx.nowMs();
    const times = (this.sent.get(kind) ?? []).filter((t) => t > now - lim.perMs);
    if (times.length >= lim.max) {
      this.sent.set(kind, times);
      msg.record.status = 'rate_limited';
      msg.record.detail = `${kind} actions limited to ${lim.max} per ${lim.perMs / 1000} s`;
      return ctx.tellNext(msg, 'rate_limited');
    }
    times.push(now);
    this.sent.set(kind, times);
    ctx.tellNext(msg, 'pass');
  }

  async close(): Promise<void> {
    this.sent.clear();
  }
}
