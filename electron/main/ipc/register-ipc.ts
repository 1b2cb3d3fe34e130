/**
 * Electron glue for the IPC contract: one `ipcMain.handle` per call, answered only for the
 * app's own top frame (trustedSender), everything else passed to the router, which validates.
 * Handlers for names outside the contract are never registered, so `invoke` on any other
 * channel fails in Electron itself.
 */
import type { IpcMain } from 'electron';
import { IPC_CALLS, callChannel, type IpcResult } from '../../../shared/ipc/channels.js';
import { trustedSender } from '../window/security.js';
import type { IpcRouter } from './ipc-router.js';

const UNTRUSTED: IpcResult = { ok: false, error: { status: 403, error: 'IPC is only answered for the Tidemark window', issues: [] } };

export function registerIpc(ipcMain: IpcMain, router: IpcRouter): () => void {
  for (const name of IPC_CALLS) {
    ipcMain.handle(callChannel(name), (event, input: unknown) => (trustedSender(event.senderFrame) ? router.handle(name, input) : UNTRUSTED));
  }
  return () => {
    for (const name of IPC_CALLS) ipcMain.removeHandler(callChannel(name));
  };
}
