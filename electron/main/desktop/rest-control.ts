/**
 * The desktop app's localhost REST server, on or off and on the port the settings say, so
 * existing ABS scripts (and `curl`) work against the desktop app. Always loopback; credentials as
 * in `tidemark serve` (the token in the data folder's api-token file). Changes are applied one at
 * a time, in order, however fast the settings change. No Electron here.
 */
import { createRestServer, DEFAULT_HOST, type RestServer } from '../../core/rest/server.js';
import { apiAccess, ensureApiToken } from '../../core/service/api-access.js';
import type { TidemarkService } from '../../core/service/tidemark-service.js';

export interface RestWanted {
  enabled: boolean;
  port: number;
}

export type RestState = { running: false; error?: string } | { running: true; port: number; url: string };

export type RestPlan = 'none' | 'start' | 'stop' | 'restart';

/** What it takes to get from the running server (if any) to the wanted one. */
export function restPlan(running: { port: number } | undefined, want: RestWanted): RestPlan {
  if (!want.enabled) return running ? 'stop' : 'none';
  if (!running) return 'start';
  return running.port === want.port ? 'none' : 'restart';
}

export class RestServerControl {
  private server: { rest: RestServer; port: number } | undefined;
  private current: RestState = { running: false };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly service: TidemarkService,
    private readonly o: { host?: string; env?: NodeJS.ProcessEnv; onChange?: (s: RestState) => void } = {},
  ) {}

  state(): RestState {
    return this.current;
  }

  /** Brings the server to `want`; resolves with the state reached (a port in use is an error state, not a throw). */
  apply(want: RestWanted): Promise<RestState> {
    const next = this.queue.then(() => this.applyNow(want));
    this.queue = next.catch(() => undefined);
    return next;
  }

  stop(): Promise<RestState> {
    return this.apply({ enabled: false, port: 0 });
  }

  private async applyNow(want: RestWanted): Promise<RestState> {
    const plan = restPlan(this.server, want);
    if (plan === 'none') return this.current;
    if (plan === 'stop' || plan === 'restart') {
      const s = this.server!;
      this.server = undefined;
      s.rest.beginClosing();
      await s.rest.app.close();
      this.set({ running: false });
    }
    if (plan === 'start' || plan === 'restart') {
      const host = this.o.host ?? DEFAULT_HOST;
      if (apiAccess(this.service.config.config).auth !== false) ensureApiToken(this.service.config, this.service.dataDir, this.o.env);
      const rest = await createRestServer(this.service, { host, dataDir: this.service.dataDir, ...(this.o.env ? { env: this.o.env } : {}) });
      try {
        await rest.app.listen({ host, port: want.port });
      } catch (err) {
        await rest.app.close().catch(() => undefined);
        const message = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${want.port} is in use by another program: choose another port in Settings` : (err as Error).message;
        this.service.log.error({ err, port: want.port }, 'REST server could not start');
        return this.set({ running: false, error: message });
      }
      const address = rest.app.server.address();
      const port = typeof address === 'object' && address ? address.port : want.port;
      this.server = { rest, port: want.port };
      this.service.log.info({ host, port }, 'REST API listening');
      return this.set({ running: true, port, url: `http://${host}:${port}` });
    }
    return this.current;
  }

  private set(s: RestState): RestState {
    this.current = s;
    this.o.onChange?.(s);
    return s;
  }
}
