/**
 * Native notifications: thin Electron glue over notification-model.ts. Feed it every core job
 * event; it shows what `notificationFor` returns and reports clicks with the job's id.
 */
import { Notification } from 'electron';
import { notificationFor, type JobNotification, type NotifiableEvent, type NotificationSettings } from './notification-model.js';

export interface NotifierOptions {
  /** A click on a notification: open the app at this job. */
  onClick: (jobId: string) => void;
  /** Read on every event, so a settings change applies at once. Default: everything on. */
  settings?: () => NotificationSettings;
  /** Path of the app icon (Linux and Windows show it). */
  icon?: string;
}

export class Notifier {
  /** Shown notifications are kept referenced: one collected by the GC loses its click handler. */
  private readonly shown = new Set<Notification>();

  constructor(private readonly opts: NotifierOptions) {}

  /** Shows the notification for a job event, if any; returns what was shown. */
  handle(event: NotifiableEvent): JobNotification | undefined {
    const n = notificationFor(event, this.opts.settings?.() ?? {});
    if (!n || !Notification.isSupported()) return undefined;
    const notification = new Notification({
      title: n.title,
      body: n.body,
      urgency: n.urgency,
      // A failure stays until dismissed (Linux, Windows); a finished restore goes away as usual.
      timeoutType: n.urgency === 'critical' ? 'never' : 'default',
      ...(this.opts.icon ? { icon: this.opts.icon } : {}),
    });
    const forget = (): void => void this.shown.delete(notification);
    notification.on('click', () => {
      forget();
      this.opts.onClick(n.jobId);
    });
    notification.on('close', forget);
    notification.on('failed', forget);
    this.shown.add(notification);
    notification.show();
    return n;
  }

  /** Drops the references (on quit); notifications already shown stay in the notification centre. */
  dispose(): void {
    this.shown.clear();
  }
}
