import type { Notification, Notifier } from './notifier.js';

/**
 * The console channel: hands the notification to the live feed (the responder's `notification`
 * event, which the API streams to the web console). Never fails.
 */
export class ConsoleNotifier implements Notifier {
  readonly channel = 'console' as const;

  constructor(private readonly emit: (notification: Notification) => void) {}

  async send(notification: Notification): Promise<void> {
    this.emit(notification);
  }
}
