import { createTheme, Drawer, localStorageColorSchemeManager, Modal, Notification } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  // White on indigo 7/8 passes WCAG AA (4.98:1 / 5.67:1); Mantine's default shade 6 does not.
  primaryShade: { light: 7, dark: 8 },
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  headings: { fontWeight: '650' },
  // Accessible focus rings on every control.
  focusRing: 'auto',
  cursorType: 'pointer',
  // Close buttons say what they do to screen readers.
  components: {
    Drawer: Drawer.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss' } } }),
  },
});

export const colorSchemeManager = localStorageColorSchemeManager({ key: 'tidemark-color-scheme' });

/** Status colours from the brief: success green, running blue, failed red, warning amber, paused grey. */
export const STATUS_COLOR = {
  success: 'green',
  running: 'blue',
  pending: 'blue',
  failure: 'red',
  canceled: 'gray',
  skipped: 'gray',
  warning: 'yellow',
  disabled: 'gray',
} as const;
