/**
 * Main's side of the IPC contract, without Electron: a call's name and input in, an IpcResult
 * out. Unknown calls are refused, every input is validated with the contract's schema before the
 * core sees it, and a refusal comes back as data with the same status and field paths the REST
 * API gives (Electron would keep only the message of a thrown error). A fault that is not a
 * refusal is logged and answered as "internal error", never with its stack.
 */
import type { Logger } from 'pino';
import { IPC_CALLS, type IpcCallName, type IpcFailure, type IpcResult } from '../../../shared/ipc/channels.js';
import { IPC_CONTRACT } from '../../../shared/ipc/contract.js';
import { failureOf } from '../../core/api/api-failure.js';
import type { CoreApi } from '../../core/api/core-api.js';

const KNOWN: ReadonlySet<string> = new Set(IPC_CALLS);

export function isIpcCall(name: string): name is IpcCallName {
  return KNOWN.has(name);
}

function refusal(status: number, error: string, issues: IpcFailure['issues'] = []): IpcResult<never> {
  return { ok: false, error: { status, error, issues } };
}

export interface IpcRouter {
  handle(name: string, input: unknown): Promise<IpcResult>;
}

export function createIpcRouter(api: CoreApi, log?: Pick<Logger, 'error'>): IpcRouter {
  return {
    async handle(name, input) {
      if (!isIpcCall(name)) return refusal(404, `unknown IPC call '${name}'`, [{ path: ['call'], message: `'${name}' is not a call of the IPC contract` }]);
      const parsed = IPC_CONTRACT[name].input.safeParse(input ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: ['input', ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: i.message }));
        const first = issues[0]!;
        return refusal(400, `${name}: ${first.path.join('.')}: ${first.message}`, issues);
      }
      try {
        const value = await (api[name] as (i: unknown) => Promise<unknown>)(parsed.data);
        return { ok: true, value };
      } catch (err) {
        const f = failureOf(err, ['input']);
        if (f) return refusal(f.status, f.message, f.issues);
        log?.error({ err, call: name }, 'IPC call failed');
        return refusal(500, 'internal error: see the Tidemark log');
      }
    },
  };
}
