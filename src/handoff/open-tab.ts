import { tabPath } from '../contract';

/**
 * Open the gateway's `/auth/tab` page at `route` in a new browser tab, in
 * the click's own turn (a pop-up blocker allows no later call). The tab
 * keeps this window as its opener (no `noopener`), to ask it for tokens;
 * `BrowserTabs` (loaded afterwards) answers it.
 *
 * @returns the tab, or null when nothing is configured or the browser
 *   did not open it.
 */
export function openMlflowTab(
  gatewayUrl: string | null,
  route: string,
  target: Window = window
): Window | null {
  return gatewayUrl === null
    ? null
    : target.open(`${gatewayUrl}${tabPath(route)}`, '_blank');
}
