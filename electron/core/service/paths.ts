/**
 * Where Tidemark keeps its config and data when the user does not say: the same folder the
 * desktop app uses (Electron's userData for product name "Tidemark"), so the CLI, `serve` and the
 * app share one config by default.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.TIDEMARK_DATA_DIR) return env.TIDEMARK_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Tidemark');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Tidemark');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Tidemark');
}

/** `--config` wins, then TIDEMARK_CONFIG, then `config.json` in the data folder. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TIDEMARK_CONFIG ?? join(defaultDataDir(env), 'config.json');
}
