/**
 * Encrypts secrets with the operating system's keychain. The desktop app passes Electron's
 * `safeStorage`; plain Node has none, and then secrets may only be referenced (a file path or an
 * environment variable), never stored, unless the user explicitly allows plain text.
 */
export interface Keychain {
  isAvailable(): boolean;
  /** Returns base64 ciphertext. */
  encrypt(plain: string): string;
  decrypt(base64: string): string;
}

export const noKeychain: Keychain = {
  isAvailable: () => false,
  encrypt: () => {
    throw new Error('no OS keychain is available in this process');
  },
  decrypt: () => {
    throw new Error('this secret was encrypted with the desktop app\'s OS keychain, which this process cannot use');
  },
};
