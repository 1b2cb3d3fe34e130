/**
 * The preload script (sandboxed, context-isolated): puts exactly the IPC contract on
 * `window.tidemark` — one function per call and the event feed — and nothing else of Electron
 * or Node. Bundled on its own (scripts/build-desktop.mjs) because a sandboxed preload cannot
 * import modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALLS, IPC_EVENT_CHANNEL, callChannel, type DesktopBridge, type IpcResult } from '../../shared/ipc/channels.js';

const calls = Object.freeze(Object.fromEntries(IPC_CALLS.map((name) => [name, (input: unknown): Promise<IpcResult> => ipcRenderer.invoke(callChannel(name), input)]))) as DesktopBridge['calls'];

const bridge: DesktopBridge = {
  calls,
  platform: process.platform,
  onEvent(listener) {
    // The renderer never sees the IpcRendererEvent (it would hand it `sender`).
    const handler = (_e: IpcRendererEvent, message: unknown): void => listener(message);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('tidemark', bridge);
