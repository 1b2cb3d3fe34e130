import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DesktopSettings } from '../../../../shared/schemas/desktop.js';
import { DesktopSettingsUpdateSchema } from '../../../../shared/schemas/desktop.js';
import { portError, settingsChange } from './desktop-settings-model.js';

const saved: DesktopSettings = { 'rest-server': true, 'rest-port': 8080, 'start-at-login': false, 'close-to-tray': true, notifications: { 'job-failed': true, 'restore-finished': true } };

test('only what the form changed is sent, and it is a valid update', () => {
  assert.deepEqual(settingsChange(saved, saved), {});
  const form: DesktopSettings = { ...saved, 'rest-port': 9000, 'start-at-login': true, notifications: { ...saved.notifications, 'restore-finished': false } };
  const change = settingsChange(saved, form);
  assert.deepEqual(change, { 'rest-port': 9000, 'start-at-login': true, notifications: { 'restore-finished': false } });
  assert.ok(DesktopSettingsUpdateSchema.safeParse(change).success);
});

test('the port field says what is wrong', () => {
  assert.equal(portError(8080), undefined);
  assert.equal(portError(''), 'give a whole number');
  assert.equal(portError('80.5'), 'give a whole number');
  assert.equal(portError(0), 'a port is 1 to 65535');
  assert.equal(portError(70000), 'a port is 1 to 65535');
  assert.match(portError(80) ?? '', /below 1024/);
});
