/**
 * One SSO sign-in from JupyterLab: a popup on the gateway's origin
 * (`/auth/sso`) runs the code flow and posts the tokens back. Only the
 * popup this opened, from the gateway's exact origin, for the state this
 * made, is listened to.
 */
import { SSO_PATH } from '../contract';
import {
  type SsoOutcome,
  acceptSsoMessage,
  randomToken,
  ssoStartUrl
} from './sso-flow';

/** How a popup sign-in ended: the popup's outcome, or its window closed first. */
export type SsoPopupResult = SsoOutcome | { closed: true };

/** The one window all sign-ins (and sign-outs) use: a second click reuses it. */
export const SSO_WINDOW_NAME = 'mlflow-sso';

/** A window of its own, sized for a sign-in page. */
export const SSO_WINDOW_FEATURES = 'popup=yes,width=520,height=680';

/** What the popup sign-in needs of the JupyterLab window. */
export type SsoHost = Pick<
  Window,
  'open' | 'addEventListener' | 'removeEventListener' | 'crypto'
> & { location: { origin: string } };

export class SsoPopup {
  constructor(options: SsoPopup.IOptions) {
    this._gatewayUrl = options.gatewayUrl;
    this._host = options.host ?? window;
    this._pollMs = options.pollMs ?? 500;
  }

  /**
   * Open the popup for `provider` and call `done` once with how it ended.
   * Must run in the click's handler: browsers block popups opened later.
   *
   * @returns false when the browser blocked the popup.
   */
  start(provider: string, done: (result: SsoPopupResult) => void): boolean {
    this.cancel();
    const host = this._host;
    const state = randomToken(host.crypto);
    const popup = host.open(
      ssoStartUrl(`${this._gatewayUrl}${SSO_PATH}`, {
        provider,
        state,
        origin: host.location.origin
      }),
      SSO_WINDOW_NAME,
      SSO_WINDOW_FEATURES
    );
    if (popup === null) {
      return false;
    }
    const expected = { origin: new URL(this._gatewayUrl).origin, popup, state };
    const onMessage = (event: MessageEvent) => {
      const outcome = acceptSsoMessage(event, expected);
      if (outcome !== undefined) {
        finish(outcome);
      }
    };
    const timer = setInterval(() => {
      if (popup.closed) {
        finish({ closed: true });
      }
    }, this._pollMs);
    const finish = (result: SsoPopupResult | null) => {
      clearInterval(timer);
      host.removeEventListener('message', onMessage);
      this._cancel = null;
      if (result !== null) {
        done(result);
      }
    };
    host.addEventListener('message', onMessage);
    this._cancel = () => finish(null);
    return true;
  }

  /** Stop listening to a sign-in under way (its popup is left to the user). */
  cancel(): void {
    this._cancel?.();
  }

  private readonly _gatewayUrl: string;
  private readonly _host: SsoHost;
  private readonly _pollMs: number;
  private _cancel: (() => void) | null = null;
}

export namespace SsoPopup {
  export interface IOptions {
    /** The gateway's URL (`/auth/` is under it). */
    gatewayUrl: string;
    /** The JupyterLab window. */
    host?: SsoHost;
    /** How often to look whether the user closed the popup. */
    pollMs?: number;
  }
}
