import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { MachineCommand } from '../../domain/index.js';
import type { CommandDispatcher } from '../dispatch/command-dispatcher.js';
import type { StopRegistry } from './interlock-node.js';
import { errorMessage, type RuleContext, type RuleMessage, type RuleNode } from './rule-node.js';

export const commandOptionsSchema = z.object({ /** Decide and record, send nothing. */ dryRun: z.boolean() }).strict();
export type CommandNodeOptions = z.infer<typeof commandOptionsSchema>;

/**
 * Sends the action's MachineCommand and waits for the machine's acknowledgement (the dispatcher
 * retries). Outputs: `success` (acked), `failure` (rejected, timeout, no dispatcher, error), `dry_run`.
 */
export class CommandNode implements RuleNode<CommandNodeOptions> {
  readonly type = 'command';
  readonly version = 1;
  readonly outputs = ['success', 'failure', 'dry_run'] as const;
  private options: CommandNodeOptions = { dryRun: false };

  constructor(
    private readonly dispatcher: CommandDispatcher | undefined,
    private readonly stops: StopRegistry,
  ) {}

  init(options: Partial<CommandNodeOptions> = {}): void {
    this.options = commandOptionsSchema.parse({ dryRun: false, ...options });
  }

  async onMessage(ctx: RuleContext, msg: RuleMessage): Promise<void> {
    const { record, alert } = msg;
    const a = msg.action;
    if (a.kind === 'notify') return ctx.tellFailure(msg, new Error('command node got a notify action'));
    const command: MachineCommand = {
      id: record.commandId ?? randomUUID(),
      machineId: alert.machineId,
      type: a.command,
      ...(a.on !== undefined ? { on: a.on } : {}),
      ...(a.loadFactor !== undefined ? { loadFactor: a.loadFactor } : {}),
      issuedAtMs: ctx.nowMs(),
    };
    record.commandId = command.id;
    const isStop = a.command === 'stop';
    if (this.options.dryRun) {
      if (isStop) this.stops.release(alert.machineId);
      record.status = 'dry_run';
      record.detail = `dry run: would send ${JSON.stringify(command)}`;
      return ctx.tellNext(msg, 'dry_run');
    }
    if (!this.dispatcher) {
      if (isStop) this.stops.release(alert.machineId);
      record.status = 'failed';
      return ctx.tellFailure(msg, new Error('no command dispatcher configured'));
    }
    record.status = 'dispatching';
    try {
      const r = await this.dispatcher.dispatch(command, { areaId: alert.areaId });
      record.attempts = r.attempts;
      record.sentAtMs = r.firstSentAtMs;
      record.ackAtMs = r.ackAtMs;
      record.detail = r.detail;
      if (r.status === 'acked') {
        record.status = 'acked';
        return ctx.tellNext(msg, 'success');
      }
      if (isStop) this.stops.release(alert.machineId);
      record.status = r.status === 'rejected' ? 'rejected_by_machine' : r.status === 'timeout' ? 'timeout' : 'failed';
      record.detail = r.detail ?? record.status;
      ctx.tellNext(msg, 'failure');
    } catch (err) {
      if (isStop) this.stops.release(alert.machineId);
      record.status = 'failed';
      record.detail = errorMessage(err);
      ctx.tellNext(msg, 'failure');
    }
  }

  async close(): Promise<void> {}
}
