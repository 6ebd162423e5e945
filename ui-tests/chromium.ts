import type { LaunchOptions } from '@playwright/test';

/**
 * How the UI tests and the start-up bench launch Chromium: Debian's, never a
 * downloaded browser, quiet (no background network that would skew the bench).
 */
export const CHROMIUM_LAUNCH_OPTIONS: LaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync'
  ]
};
