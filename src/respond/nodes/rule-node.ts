import type { ActionRecord, Alert } from '../../domain/index.js';
import type { Logger } from '../../logging/index.js';
import type { Rule, RuleAction } from '../rules/rules-schema.js';

/** What flows through a rule chain: one action of one rule for one alert, and its record being filled in. */
export interface RuleMessage {
  alert: Alert;
  rule: Rule;
  action: RuleAction;
  /** The decision's record; nodes set its status, detail and timestamps. */
  record: ActionRecord;
  /** Why the chain runs: a rule matched, an escalation, or an operator approved a recommendation. */
  reason: 'rule' | 'escalation' | 'approval';
  /** Escalation level for escalations, else 0. */
  level: number;
}

/** What a node may do (ThingsBoard TbContext, reduced): emit on a named output, read the time, log. */
export interface RuleContext {
  nowMs(): number;
  logger: Logger;
  /** Passes the message on along the output named (`success`, `failure`, `pass`, ...). */
  tellNext(msg: RuleMessage, output: string): void;
  /** Emits on `failure` with the error's message as the record's detail. */
  tellFailure(msg: RuleMessage, error: unknown): void;
}

/**
 * A rule node (STYLE 9, ThingsBoard TbNode): options with a schema, defaults and a version;
 * `onMessage` emits exactly one output and never throws (errors go to `failure`).
 */
export interface RuleNode<O = unknown> {
  readonly type: string;
  /** Version of the options format, for upgrades of saved chains. */
  readonly version: number;
  readonly outputs: readonly string[];
  init(options?: Partial<O>): void;
  onMessage(ctx: RuleContext, msg: RuleMessage): Promise<void>;
  close(): Promise<void>;
}

/** Message of any thrown value, for a record's detail. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
