import type { ResponseTeam } from '../../domain/index.js';
import { RespondError } from '../../domain/index.js';
import type { Notification, Notifier } from './notifier.js';

export interface WebhookNotifierOptions {
  /** Per-team endpoint; teams without one use `defaultUrl`. */
  urlByTeam?: Partial<Record<ResponseTeam, string>>;
  /** Endpoint for teams not in `urlByTeam`; without it such a team's webhook fails (PW_ERR_NOTIFY_NO_ROUTE). */
  defaultUrl?: string;
  /** Abort a request that takes longer. Default {@link DEFAULT_WEBHOOK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Extra request headers (e.g. an Authorization token). */
  headers?: Record<string, string>;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

/** The JSON body POSTed to a webhook. */
export interface WebhookPayload {
  id: string;
  team: ResponseTeam;
  reason: Notification['reason'];
  ruleId: string;
  level: number;
  subject: string;
  text: string;
  tsMs: number;
  alert: {
    id: string;
    machineId: string;
    areaId: string;
    type: string;
    urgency: string;
    state: string;
    score: number;
    threshold: number;
    count: number;
    raisedAtMs: number;
    recommendation: string;
  };
}

/** HTTP POST of a JSON payload (fetch, with a timeout); any non-2xx answer is a failure. */
export class WebhookNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookNotifierOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  }

  async send(n: Notification): Promise<void> {
    const url = this.options.urlByTeam?.[n.team] ?? this.options.defaultUrl;
    if (!url) throw new RespondError('PW_ERR_NOTIFY_NO_ROUTE', `no webhook URL for team ${n.team} (set urlByTeam.${n.team} or defaultUrl)`);
    const a = n.alert;
    const body: WebhookPayload = {
      id: n.id,
      team: n.team,
      reason: n.reason,
      ruleId: n.ruleId,
      level: n.level,
      subject: n.subject,
      text: n.text,
      tsMs: n.tsMs,
      alert: {
        id: a.id,
        machineId: a.machineId,
        areaId: a.areaId,
        type: a.type,
        urgency: a.urgency,
        state: a.state,
        score: a.score,
        threshold: a.threshold,
        count: a.count,
        raisedAtMs: a.raisedAtMs,
        recommendation: a.recommendation,
      },
    };
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.options.headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new RespondError('PW_ERR_NOTIFY_WEBHOOK_TIMEOUT', `webhook ${redact(url)} did not answer within ${this.timeoutMs} ms`, 504, { cause: err });
      }
      throw new RespondError('PW_ERR_NOTIFY_WEBHOOK_UNREACHABLE', `webhook ${redact(url)} unreachable: ${(err as Error).message}`, 502, { cause: err });
    }
    // Drain the body so the connection can be reused; its text helps the log when it failed.
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new RespondError('PW_ERR_NOTIFY_WEBHOOK_STATUS', `webhook ${redact(url)} answered ${res.status}, expected 2xx${text ? `: ${text.slice(0, 200)}` : ''}`, 502);
  }
}

/** Never log credentials in a URL. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
