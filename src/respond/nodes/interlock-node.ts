import { z } from 'zod';
import type { RuleContext, RuleMessage, RuleNode } from './rule-node.js';

/** Machines this responder has stopped (or is stopping) and not yet seen running again. */
export class StopRegistry {
  private readonly stopped = new Set<string>();

  has(machineId: string): boolean {
    return this.stopped.has(machineId);
  }

  add(machineId: string): void {
    this.stopped.add(machineId);
  }

  release(machineId: string): void {
    this.stopped.delete(machineId);
  }

  get size(): number {
    return this.stopped.size;
  }

  list(): string[] {
    return [...this.stopped];
  }
}

export const interlockOptionsSchema = z
  .object({
    /** Most machines stopped automatically at once; the next stop needs an operator's approval. */
    maxConcurrentStops: z.number().int().min(0),
  })
  .strict();

export type InterlockOptions = z.infer<typeof interlockOptionsSchema>;

export const DEFAULT_MAX_CONCURRENT_STOPS = 2;

/**
 * Never stops more than N machines at once without approval (SPEC 7): the N+1th automatic stop
 * leaves on `approval` and becomes a recommendation. Other commands pass. Outputs: `pass`, `approval`.
 */
export class InterlockNode implements RuleNode<InterlockOptions> {
  readonly type = 'interlock';
  readonly version = 1;
  readonly outputs = ['pass', 'approval'] as const;
  private options: InterlockOptions = { maxConcurrentStops: DEFAULT_MAX_CONCURRENT_STOPS };

  constructor(private readonly stops: StopRegistry) {}

  init(options: Partial<InterlockOptions> = {}): void {
    this.options = interlockOptionsSchema.parse({ maxConcurrentStops: DEFAULT_MAX_CONCURRENT_STOPS, ...options });
  }

  async onMessage(ctx: RuleContext, msg: RuleMessage): Promise<void> {
    const a = msg.action;
    if (a.kind !== 'automatic' || a.command !== 'stop') return ctx.tellNext(msg, 'pass');
    const machineId = msg.alert.machineId;
    if (this.stops.has(machineId)) return ctx.tellNext(msg, 'pass');
    if (this.stops.size >= this.options.maxConcurrentStops) {
      msg.record.detail = `interlock: ${this.stops.size} machine(s) already stopped (${this.stops.list().join(', ')}); at most ${this.options.maxConcurrentStops} without approval`;
      return ctx.tellNext(msg, 'approval');
    }
    this.stops.add(machineId);
    ctx.tellNext(msg, 'pass');
  }

  async close(): Promise<void> {}
}
