import type { MqttClient } from 'mqtt';
import type { CommandAck, MachineCommand } from '../../domain/index.js';
import { channelFilter, machineTopic, parseTopic } from '../../domain/index.js';
import type { Logger } from '../../logging/index.js';

/** What became of one command. */
export interface DispatchResult {
  /** `acked`: the machine accepted (or did) it; `rejected`: it refused; `timeout`: no ack after every attempt; `failed`: could not even listen for acks. */
  status: 'acked' | 'rejected' | 'timeout' | 'failed';
  /** Copies published (a retry is skipped while the previous copy still waits for the broker). */
  attempts: number;
  /** When the first attempt was published, epoch ms. */
  firstSentAtMs: number;
  lastSentAtMs: number;
  ackAtMs: number | null;
  ack: CommandAck | null;
  detail: string | null;
}

/** Sends a command to a machine and waits for its acknowledgement (port; MQTT is one adapter). */
export interface CommandDispatcher {
  /** Optional warm-up (e.g. subscribe to acks) so the first command doesn't pay for it. */
  start?(): Promise<void>;
  dispatch(command: MachineCommand, target: { areaId: string }): Promise<DispatchResult>;
  close(): Promise<void>;
}

export interface MqttCommandDispatcherOptions {
  plantId: string;
  logger: Logger;
  /** Wait this long for an ack after each publish. Default {@link DEFAULT_ACK_TIMEOUT_MS}. */
  ackTimeoutMs?: number;
  /** Publishes in all (1 = no retry). Default {@link DEFAULT_MAX_ATTEMPTS}. */
  maxAttempts?: number;
  /** Pause before the first retry; doubles each retry. Default {@link DEFAULT_RETRY_BACKOFF_MS}. */
  backoffMs?: number;
  /** MQTT QoS of commands. Default 1 (at least once: the machine dedupes by command id). */
  qos?: 0 | 1 | 2;
  /** Time source for the stage timestamps. Default Date.now. */
  nowMs?: () => number;
}

export const DEFAULT_ACK_TIMEOUT_MS = 2_000;
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_RETRY_BACKOFF_MS = 250;

interface Pending {
  resolve: (ack: CommandAck) => void;
}

/**
 * Publishes MachineCommand JSON on `plantwatch/<plant>/<area>/<machine>/commands` and waits for
 * the CommandAck on `.../acks` (SPEC 2 topics), retrying with exponential backoff. The same command
 * id is sent on every attempt so the machine can tell a retry from a new command.
 * Works with the embedded and any external broker: it only needs a connected mqtt.js client.
 * @example const d = new MqttCommandDispatcher(client, { plantId: 'plant-1', logger });
 *          const r = await d.dispatch(cmd, { areaId: 'welding-1' }); // r.status === 'acked'
 */
export class MqttCommandDispatcher implements CommandDispatcher {
  private readonly pending = new Map<string, Pending>();
  private readonly log: Logger;
  private subscribed: Promise<void> | undefined;
  private closed = false;
  private readonly ackTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly qos: 0 | 1 | 2;
  private readonly nowMs: () => number;
  private readonly onMessage = (topic: string, payload: Buffer) => this.handleAck(topic, payload);

  constructor(
    private readonly client: MqttClient,
    private readonly options: MqttCommandDispatcherOptions,
  ) {
    this.log = options.logger.child({ component: 'command-dispatcher' });
    this.ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.backoffMs = options.backoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
    this.qos = options.qos ?? 1;
    this.nowMs = options.nowMs ?? Date.now;
    client.on('message', this.onMessage);
  }

  /**
   * Subscribes to every machine's acks of this plant (once; mqtt.js resubscribes after a reconnect).
   * Bounded by the ack timeout: a client that is offline or ended never answers a SUBSCRIBE, and a
   * command must then fail, not hang. A failed subscription is tried again on the next dispatch.
   */
  start(): Promise<void> {
    // Ended, or down with no reconnect coming: fail at once rather than after the timeout.
    if (this.client.disconnecting || (this.client.disconnected && this.client.options.reconnectPeriod === 0)) return Promise.reject(new Error('the MQTT client is ending or ended'));
    this.subscribed ??= Promise.race([
      this.client.subscribeAsync(channelFilter('acks', this.options.plantId), { qos: 1 }).then(() => undefined),
      delay(this.ackTimeoutMs).then(() => {
        throw new Error(`no SUBACK within ${this.ackTimeoutMs} ms (broker unreachable?)`);
      }),
    ]).catch((err: unknown) => {
      this.subscribed = undefined;
      throw err;
    });
    return this.subscribed;
  }

  async dispatch(command: MachineCommand, target: { areaId: string }): Promise<DispatchResult> {
    const topic = machineTopic({ plantId: this.options.plantId, areaId: target.areaId, machineId: command.machineId, channel: 'commands' });
    let firstSentAtMs = 0;
    let lastSentAtMs = 0;
    try {
      await this.start();
    } catch (err) {
      return { status: 'failed', attempts: 0, firstSentAtMs: this.nowMs(), lastSentAtMs: this.nowMs(), ackAtMs: null, ack: null, detail: `cannot subscribe to acks: ${(err as Error).message}` };
    }
    const acked = new Promise<CommandAck>((resolve) => this.pending.set(command.id, { resolve }));
    const payload = JSON.stringify(command);
    let lastError: string | null = null;
    let inClientQueue = false;
    let published = 0;
    try {
      for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
        if (this.closed) return { status: 'failed', attempts: published, firstSentAtMs, lastSentAtMs, ackAtMs: null, ack: null, detail: 'dispatcher closed' };
        // Retry only when the broker took the previous copy (PUBACK) or refused it: a copy still
        // queued in the client would only be duplicated, and under load duplicates feed a retry storm.
        if (attempt === 1 || !inClientQueue) {
          lastSentAtMs = this.nowMs();
          if (attempt === 1) firstSentAtMs = lastSentAtMs;
          inClientQueue = this.qos > 0;
          const thisAttempt = attempt;
          // A publish error (broker away) is noted; the ack timeout decides and the next attempt retries.
          this.client.publish(topic, payload, { qos: this.qos }, (err) => {
            inClientQueue = false;
            if (err) {
              lastError = err.message;
              this.log.warn({ commandId: command.id, machineId: command.machineId, attempt: thisAttempt, err: err.message }, 'command publish failed');
            }
          });
          published += 1;
        }
        const ack = await Promise.race([acked, delay(this.ackTimeoutMs).then(() => null)]);
        if (ack) {
          const ackAtMs = this.nowMs();
          const status = ack.status === 'rejected' ? 'rejected' : 'acked';
          return { status, attempts: published, firstSentAtMs, lastSentAtMs, ackAtMs, ack, detail: ack.detail ?? null };
        }
        this.log.info({ commandId: command.id, machineId: command.machineId, attempt }, 'no acknowledgement in time');
        if (attempt < this.maxAttempts) {
          // The ack may still arrive during the backoff; take it instead of publishing again.
          const late = await Promise.race([acked, delay(this.backoffMs * 2 ** (attempt - 1)).then(() => null)]);
          if (late) return { status: late.status === 'rejected' ? 'rejected' : 'acked', attempts: published, firstSentAtMs, lastSentAtMs, ackAtMs: this.nowMs(), ack: late, detail: late.detail ?? null };
        }
      }
    } finally {
      this.pending.delete(command.id);
    }
    return {
      status: 'timeout',
      attempts: published,
      firstSentAtMs,
      lastSentAtMs,
      ackAtMs: null,
      ack: null,
      detail: `no acknowledgement after ${this.maxAttempts} attempt(s) of ${this.ackTimeoutMs} ms (${published} published${inClientQueue ? ', the last still waiting for the broker' : ''})${lastError ? `; last publish error: ${lastError}` : ''}`,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.off('message', this.onMessage);
    if (this.subscribed) await this.client.unsubscribeAsync(channelFilter('acks', this.options.plantId)).catch(() => undefined);
  }

  private handleAck(topic: string, payload: Buffer): void {
    const parts = parseTopic(topic);
    if (!parts || parts.channel !== 'acks' || parts.plantId !== this.options.plantId) return;
    let ack: CommandAck;
    try {
      ack = JSON.parse(payload.toString('utf8')) as CommandAck;
    } catch (err) {
      this.log.warn({ topic, err: (err as Error).message }, 'unreadable command acknowledgement ignored');
      return;
    }
    if (typeof ack?.commandId !== 'string' || !['accepted', 'rejected', 'done'].includes(ack.status)) {
      this.log.warn({ topic }, 'command acknowledgement without commandId or status ignored');
      return;
    }
    if (ack.machineId !== parts.machineId) {
      this.log.warn({ topic, machineId: ack.machineId }, 'acknowledgement machineId does not match its topic; ignored');
      return;
    }
    this.pending.get(ack.commandId)?.resolve(ack);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
