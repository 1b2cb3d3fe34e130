/**
 * The core's Keychain over Electron's safeStorage (macOS Keychain, Windows DPAPI, the Linux
 * secret service or KWallet). On Linux without a secret store, Chromium falls back to a fixed
 * password ("basic_text"), which protects nothing: that counts as no keychain, so secrets are
 * refused (or must be referenced) rather than stored with a false sense of safety.
 */
import type { Keychain } from '../../core/config/keychain.js';

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

export function safeStorageKeychain(safe: SafeStorageLike, platform: NodeJS.Platform = process.platform): Keychain {
  const available = (): boolean => {
    if (!safe.isEncryptionAvailable()) return false;
    if (platform === 'linux' && safe.getSelectedStorageBackend) {
      const backend = safe.getSelectedStorageBackend();
      return backend !== 'basic_text' && backend !== 'unknown';
    }
    return true;
  };
  return {
    isAvailable: available,
    encrypt(plain) {
      if (!available()) throw new Error('the OS keychain is not available: reference the secret (a file or an environment variable) instead');
      return safe.encryptString(plain).toString('base64');
    },
    decrypt(base64) {
      if (!safe.isEncryptionAvailable()) throw new Error('the OS keychain is locked or not available, so this secret cannot be read');
      return safe.decryptString(Buffer.from(base64, 'base64'));
    },
  };
}
