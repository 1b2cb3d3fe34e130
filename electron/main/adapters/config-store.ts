/**
 * The config file in the desktop app: electron-store (conf with Electron's defaults) behind the
 * same ConfigDocumentStore as plain Node, so atomic writes, the kept-and-reported broken file and
 * the last good copy behave exactly as in `tidemark serve` and the CLI, on the same file.
 */
import ElectronStore from 'electron-store';
import { ConfFileStore, type ConfFactory } from '../../core/config/config-file.js';

const electronStore: ConfFactory = (options) => new ElectronStore<Record<string, unknown>>(options as ConstructorParameters<typeof ElectronStore<Record<string, unknown>>>[0]);

export function electronConfigStore(path: string): ConfFileStore {
  return new ConfFileStore(path, electronStore);
}
