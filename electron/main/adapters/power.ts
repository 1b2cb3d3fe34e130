/**
 * The scheduler's power source over Electron's powerMonitor: "on battery" for routines that skip
 * on battery, and a wake-up after sleep (resume, screen unlock) so the scheduler catches up on
 * runs it missed at once rather than at its next timer.
 */
import type { PowerSource } from '../../core/scheduler/scheduler.js';

export interface PowerMonitorLike {
  isOnBatteryPower(): boolean;
  on(event: 'resume' | 'unlock-screen', listener: () => void): unknown;
  removeListener(event: 'resume' | 'unlock-screen', listener: () => void): unknown;
}

export function watchPower(monitor: PowerMonitorLike, onWake: () => void): PowerSource & { dispose(): void } {
  const wake = (): void => onWake();
  monitor.on('resume', wake);
  monitor.on('unlock-screen', wake);
  return {
    onBattery: () => monitor.isOnBatteryPower(),
    dispose() {
      monitor.removeListener('resume', wake);
      monitor.removeListener('unlock-screen', wake);
    },
  };
}
