import { EventEmitter } from 'node:events';
import type { ActionRecord, Alert, AlertTransition, ScoredTick } from '../domain/index.js';
import type { Responder } from '../respond/index.js';

/** Anything that emits the detector's per-tick output (StreamingDetector's `scored` event). */
export interface ScoredTickSource {
  on(event: 'scored', listener: (tick: ScoredTick) => void): unknown;
  off(event: 'scored', listener: (tick: ScoredTick) => void): unknown;
}

export interface LiveFeedOptions {
  /** Fewest ms between two scored ticks of one machine sent to clients. Default {@link DEFAULT_TICK_THROTTLE_MS}. */
  tickThrottleMs?: number;
  /** Scored ticks kept per machine for the machine-detail chart. Default {@link DEFAULT_TICKS_KEPT}. */
  ticksKept?: number;
}

export const DEFAULT_TICK_THROTTLE_MS = 1000;
export const DEFAULT_TICKS_KEPT = 720;

/** One server-sent event. */
export interface FeedEvent {
  type: 'alert' | 'action' | 'tick';
  data: unknown;
}

export interface LiveFeedEvents {
  event: [event: FeedEvent];
}

/**
 * The console's live feed: alerts and actions from the responder, scored ticks from the detector
 * (throttled per machine so 10 000 machines at 5 s do not flood a browser), and a ring buffer of
 * recent ticks per machine for the charts.
 */
export class LiveFeed extends EventEmitter<LiveFeedEvents> {
  private readonly throttleMs: number;
  private readonly kept: number;
  private readonly ticks = new Map<string, ScoredTick[]>();
  private readonly lastSentMs = new Map<string, number>();
  private readonly detach: Array<() => void> = [];

  constructor(sources: { responder?: Responder | undefined; detector?: ScoredTickSource | undefined }, options: LiveFeedOptions = {}) {
    super();
    this.setMaxListeners(1000);
    this.throttleMs = options.tickThrottleMs ?? DEFAULT_TICK_THROTTLE_MS;
    this.kept = options.ticksKept ?? DEFAULT_TICKS_KEPT;
    const { responder, detector } = sources;
    if (responder) {
      const onAlert = (alert: Alert, transition: AlertTransition): void => void this.emit('event', { type: 'alert', data: { alert, transition } });
      const onAction = (record: ActionRecord): void => void this.emit('event', { type: 'action', data: record });
      responder.on('alert', onAlert);
      responder.on('action', onAction);
      this.detach.push(() => responder.off('alert', onAlert), () => responder.off('action', onAction));
    }
    if (detector) {
      const onTick = (tick: ScoredTick): void => this.pushTick(tick);
      detector.on('scored', onTick);
      this.detach.push(() => detector.off('scored', onTick));
    }
  }

  /** Records a tick and forwards it unless this machine sent one less than the throttle ago (anomalous ticks always go). */
  pushTick(tick: ScoredTick): void {
    let list = this.ticks.get(tick.machineId);
    if (!list) this.ticks.set(tick.machineId, (list = []));
    list.push(tick);
    if (list.length > this.kept) list.splice(0, list.length - this.kept);
    const last = this.lastSentMs.get(tick.machineId) ?? -Infinity;
    const now = Date.now();
    if (tick.anomalous || now - last >= this.throttleMs) {
      this.lastSentMs.set(tick.machineId, now);
      this.emit('event', { type: 'tick', data: tick });
    }
  }

  recentTicks(machineId: string, limit = this.kept): ScoredTick[] {
    const list = this.ticks.get(machineId) ?? [];
    return list.slice(Math.max(0, list.length - limit));
  }

  /** The last tick of each machine (plant overview). */
  latestTicks(): Map<string, ScoredTick> {
    const out = new Map<string, ScoredTick>();
    for (const [id, list] of this.ticks) if (list.length > 0) out.set(id, list[list.length - 1]!);
    return out;
  }

  close(): void {
    for (const d of this.detach.splice(0)) d();
    this.removeAllListeners();
  }
}
