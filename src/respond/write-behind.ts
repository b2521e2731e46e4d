/**
 * Write-behind for the responder's repositories: writes (alert saves, transitions, action records,
 * audit entries) are queued and written on the next turn of the event loop, after the alert's
 * commands went out, instead of on the alert -> command path. Saves of the same alert or action
 * within one turn are coalesced into one (the last version), so an alert repeated on every tick
 * is serialised once per turn, not once per event.
 *
 * Records are kept by reference, not copied: an alert or action saved and then changed before the
 * flush is written as it is at the flush (its latest state, which its next save would write anyway).
 *
 * Reads flush the queue first, so every read sees every write made before it. `flush()` (close,
 * tests) writes everything now. A failed write is logged and dropped, as the responder treats a
 * failing repository (never fatal); at most one event-loop turn of writes is lost if the process
 * dies.
 */
import type { ActionRecord, Alert, AlertTransition, AuditEntry } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import type { ActionQuery, AlertQuery, AuditQuery, RespondRepositories } from './ports.js';

type Write = { kind: 'alert'; value: Alert } | { kind: 'transition'; value: AlertTransition } | { kind: 'action'; value: ActionRecord } | { kind: 'audit'; value: AuditEntry };

/**
 * Wraps `inner`; the returned repositories answer reads from `inner` after a flush.
 * @example const repos = new WriteBehindRepositories(store.respondRepositories(), logger); ... await repos.flush();
 */
export class WriteBehindRepositories implements RespondRepositories {
  readonly alerts: RespondRepositories['alerts'];
  readonly actions: RespondRepositories['actions'];
  readonly audit: RespondRepositories['audit'];
  private queue: Write[] = [];
  /** Index in `queue` of the pending save of an alert / action id: a newer save replaces it in place. */
  private readonly alertAt = new Map<string, number>();
  private readonly actionAt = new Map<string, number>();
  private scheduled: NodeJS.Immediate | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  /** Writes handed to the inner repositories, and saves coalesced away. */
  readonly counters = { written: 0, coalesced: 0, failed: 0, flushes: 0 };

  constructor(
    private readonly inner: RespondRepositories,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'respond-write-behind' });
    this.alerts = {
      saveAlert: async (a) => this.saveKeyed({ kind: 'alert', value: a }, this.alertAt, a.id),
      addTransition: async (t) => this.push({ kind: 'transition', value: t }),
      getAlert: async (id) => (await this.flush(), inner.alerts.getAlert(id)),
      listOpenAlerts: async () => (await this.flush(), inner.alerts.listOpenAlerts()),
      listAlerts: async (q: AlertQuery) => (await this.flush(), inner.alerts.listAlerts(q)),
      listTransitions: async (id) => (await this.flush(), inner.alerts.listTransitions(id)),
    };
    this.actions = {
      saveAction: async (a) => this.saveKeyed({ kind: 'action', value: a }, this.actionAt, a.id),
      getAction: async (id) => (await this.flush(), inner.actions.getAction(id)),
      listActions: async (q: ActionQuery) => (await this.flush(), inner.actions.listActions(q)),
    };
    this.audit = {
      append: async (e) => this.push({ kind: 'audit', value: e }),
      query: async (q: AuditQuery) => (await this.flush(), inner.audit.query(q)),
    };
  }

  /** Writes everything queued so far; resolves when it is written (or failed and logged). */
  flush(): Promise<void> {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      this.alertAt.clear();
      this.actionAt.clear();
      this.flushing = this.flushing.then(() => this.write(batch));
    }
    return this.flushing;
  }

  private saveKeyed(w: Write, at: Map<string, number>, id: string): void {
    const i = at.get(id);
    if (i !== undefined) {
      this.queue[i] = w;
      this.counters.coalesced++;
      return;
    }
    at.set(id, this.queue.length);
    this.push(w);
  }

  private push(w: Write): void {
    this.queue.push(w);
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      void this.flush();
    });
  }

  private async write(batch: Write[]): Promise<void> {
    this.counters.flushes++;
    for (const w of batch) {
      try {
        if (w.kind === 'alert') await this.inner.alerts.saveAlert(w.value);
        else if (w.kind === 'transition') await this.inner.alerts.addTransition(w.value);
        else if (w.kind === 'action') await this.inner.actions.saveAction(w.value);
        else await this.inner.audit.append(w.value);
        this.counters.written++;
      } catch (err) {
        this.counters.failed++;
        this.log.error({ err, kind: w.kind }, 'could not write a responder record');
      }
    }
  }
}
