import { ValidationError } from '../../domain/index.js';

/** A contiguous run of positive items, inclusive indices. */
export interface Segment {
  start: number;
  end: number;
}

/** Contiguous runs of non-zero values. */
export function segments(flags: readonly number[]): Segment[] {
  const out: Segment[] = [];
  let start = -1;
  for (let i = 0; i <= flags.length; i++) {
    const on = i < flags.length && !!flags[i];
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      out.push({ start, end: i - 1 });
      start = -1;
    }
  }
  return out;
}

export interface EventMetrics {
  events: number;
  detectedEvents: number;
  /** Alarm segments that touch no labelled event. */
  falseAlarmEvents: number;
  precision: number;
  recall: number;
  f1: number;
  /** Per detected event: first alarm minus event start, in steps (or ms when `tsMs` is given). */
  delays: number[];
  meanDelay: number;
}

/**
 * Event-wise metrics (paper Tables 1, 3): an event counts as detected when any alarm falls inside
 * it; an alarm segment that overlaps no event is one false alarm. Precision = detected /
 * (detected + false alarms), recall = detected / events. Delay is measured from the event start.
 */
export function eventMetrics(alarms: readonly number[], labels: readonly number[], tsMs?: readonly number[]): EventMetrics {
  if (alarms.length !== labels.length) throw new ValidationError('PW_ERR_VALIDATION_LENGTH', `eventMetrics: ${alarms.length} alarms for ${labels.length} labels`);
  if (tsMs && tsMs.length !== labels.length) throw new ValidationError('PW_ERR_VALIDATION_LENGTH', `eventMetrics: ${tsMs.length} timestamps for ${labels.length} labels`);
  const events = segments(labels);
  const delays: number[] = [];
  for (const e of events) {
    for (let i = e.start; i <= e.end; i++) {
      if (alarms[i]) {
        delays.push(tsMs ? tsMs[i]! - tsMs[e.start]! : i - e.start);
        break;
      }
    }
  }
  let falseAlarmEvents = 0;
  for (const a of segments(alarms)) {
    let touches = false;
    for (let i = a.start; i <= a.end && !touches; i++) if (labels[i]) touches = true;
    if (!touches) falseAlarmEvents++;
  }
  const detected = delays.length;
  const precision = detected + falseAlarmEvents ? detected / (detected + falseAlarmEvents) : 0;
  const recall = events.length ? detected / events.length : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    events: events.length,
    detectedEvents: detected,
    falseAlarmEvents,
    precision,
    recall,
    f1,
    delays,
    meanDelay: delays.length ? delays.reduce((s, d) => s + d, 0) / delays.length : Number.NaN,
  };
}
