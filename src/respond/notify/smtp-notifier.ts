import { createTransport } from 'nodemailer';
import type { ResponseTeam } from '../../domain/index.js';
import { RespondError } from '../../domain/index.js';
import type { Notification, Notifier } from './notifier.js';

export interface SmtpNotifierOptions {
  host: string;
  port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  /** Don't upgrade with STARTTLS even if offered (local relays and test sinks). */
  ignoreTLS?: boolean;
  /** Refuse to send without STARTTLS. */
  requireTLS?: boolean;
  /** Accept self-signed certificates. Default true (verify). */
  rejectUnauthorized?: boolean;
  auth?: { user: string; pass: string };
  /** Sender address. */
  from: string;
  /** Recipients per team; teams without any fail with PW_ERR_NOTIFY_NO_ROUTE. */
  recipientsByTeam: Partial<Record<ResponseTeam, string[]>>;
  /** Connection, greeting and socket timeout. Default {@link DEFAULT_SMTP_TIMEOUT_MS}. */
  timeoutMs?: number;
}

export const DEFAULT_SMTP_TIMEOUT_MS = 10_000;

/** E-mail through an SMTP server (nodemailer, MIT-0). */
export class SmtpNotifier implements Notifier {
  readonly channel = 'email' as const;
  private readonly transport: ReturnType<typeof createTransport>;

  constructor(private readonly options: SmtpNotifierOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
    this.transport = createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      ignoreTLS: options.ignoreTLS ?? false,
      requireTLS: options.requireTLS ?? false,
      tls: { rejectUnauthorized: options.rejectUnauthorized ?? true },
      ...(options.auth ? { auth: options.auth } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(n: Notification): Promise<void> {
    const to = this.options.recipientsByTeam[n.team];
    if (!to || to.length === 0) throw new RespondError('PW_ERR_NOTIFY_NO_ROUTE', `no e-mail recipients for team ${n.team} (set recipientsByTeam.${n.team})`);
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to,
        subject: n.subject,
        text: n.text,
        headers: { 'X-Plantwatch-Alert': n.alert.id, 'X-Plantwatch-Notification': n.id },
      });
    } catch (err) {
      throw new RespondError('PW_ERR_NOTIFY_SMTP', `SMTP ${this.options.host}:${this.options.port} refused the message for ${n.team}: ${(err as Error).message}`, 502, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
