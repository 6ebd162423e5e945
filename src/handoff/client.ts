import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { HANDOFF_PATH } from '../contract';
import type { IMlflowUiPreferences } from '../panel/ui-preferences';
import {
  CHANNEL,
  HandoffReply,
  HandoffRequest,
  IPreferencesRequest,
  isCookieReplacedNotice,
  isHandoffReply
} from './protocol';

/**
 * Why a hand-off failed: the page never answered (gateway down, framing
 * refused) or it refused the token (this origin is not on its allow-list).
 */
export class HandoffError extends Error {
  constructor(
    readonly reason: 'timeout' | 'refused',
    message: string
  ) {
    super(message);
    this.name = 'HandoffError';
  }
}

/**
 * The extension's side of the token hand-off: a hidden frame of the
 * gateway's `/auth/handoff` page that stores the token as the cookie the
 * MLflow UI reads. The MLflow panels are frames of the same gateway under
 * the same top-level page, so they see that cookie; storing a refreshed
 * token here reaches them without reloading them.
 */
export class TokenHandoff implements IDisposable {
  constructor(options: TokenHandoff.IOptions) {
    this._gatewayUrl = options.gatewayUrl;
    this._origin = new URL(options.gatewayUrl).origin;
    this._timeoutMs = options.timeoutMs ?? 15_000;
    this._host = options.host ?? document.body;
    window.addEventListener('message', this._onMessage);
  }

  /**
   * Emitted with the user another sign-in on the gateway's site put into
   * the MLflow UI's cookie (`''` for none), after the page has put this
   * JupyterLab's token back.
   */
  get cookieReplaced(): ISignal<TokenHandoff, string> {
    return this._cookieReplaced;
  }

  /** The gateway this hand-off stores tokens for. */
  get gatewayUrl(): string {
    return this._gatewayUrl;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Store a token for the MLflow UI; resolves once the page has set the cookie. */
  store(token: string): Promise<void> {
    return this._send({ type: 'store-token', token });
  }

  /** Remove the token, so the MLflow UI's requests carry none. */
  clear(): Promise<void> {
    return this._send({ type: 'clear-token' });
  }

  /**
   * Have the page write the MLflow UI's preferences where it reads them and
   * prepare the MLflow frames beside it (`src/gateway-pages/mlflow-frames.ts`).
   */
  preferences(preferences: IMlflowUiPreferences): Promise<void> {
    return this._send({ type: 'preferences', preferences });
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    window.removeEventListener('message', this._onMessage);
    this._frame?.remove();
    this._frame = null;
    for (const pending of this._pending.values()) {
      pending.reject(new Error('The hand-off was closed.'));
    }
    this._pending.clear();
    Signal.clearData(this);
  }

  private async _send(
    request:
      | { type: 'store-token'; token: string }
      | { type: 'clear-token' }
      | Omit<IPreferencesRequest, 'channel' | 'id'>
  ): Promise<void> {
    const frame = await this._ready();
    const id = ++this._lastId;
    const message: HandoffRequest | IPreferencesRequest = {
      channel: CHANNEL,
      id,
      ...request
    };
    const answered = new Promise<void>((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this._pending.delete(id);
        reject(
          new HandoffError(
            'timeout',
            `The gateway's sign-in page at ${this._origin} did not answer.`
          )
        );
      }, this._timeoutMs);
      this._pending.set(id, {
        resolve: () => {
          window.clearTimeout(timer);
          resolve();
        },
        reject: error => {
          window.clearTimeout(timer);
          reject(error);
        }
      });
    });
    // The target origin keeps the token from reaching any other page, even
    // if the frame was navigated elsewhere.
    frame.contentWindow?.postMessage(message, this._origin);
    return answered;
  }

  /** The frame, once its page said it is listening (loaded on first use). */
  private _ready(): Promise<HTMLIFrameElement> {
    if (this._disposed) {
      return Promise.reject(new Error('The hand-off was closed.'));
    }
    if (!this._loaded) {
      const frame = document.createElement('iframe');
      frame.className = 'jp-MlflowHandoff';
      frame.hidden = true;
      frame.title = 'MLflow sign-in hand-off';
      frame.src = `${this._gatewayUrl}${HANDOFF_PATH}`;
      this._frame = frame;
      this._loaded = new Promise<HTMLIFrameElement>((resolve, reject) => {
        this._onReady = () => resolve(frame);
        window.setTimeout(() => {
          reject(
            new HandoffError(
              'timeout',
              `The gateway's sign-in page at ${this._gatewayUrl}${HANDOFF_PATH} did not load. Is the gateway reachable, and may this page frame it?`
            )
          );
        }, this._timeoutMs);
      });
      // A failed load must not stick: the next call tries again.
      this._loaded.catch(() => {
        this._loaded = null;
        frame.remove();
        if (this._frame === frame) {
          this._frame = null;
        }
      });
      this._host.appendChild(frame);
    }
    return this._loaded;
  }

  private readonly _onMessage = (event: MessageEvent): void => {
    if (
      event.origin !== this._origin ||
      this._frame === null ||
      event.source !== this._frame.contentWindow
    ) {
      return;
    }
    if (isCookieReplacedNotice(event.data)) {
      this._cookieReplaced.emit(event.data.username);
      return;
    }
    if (!isHandoffReply(event.data)) {
      return;
    }
    const reply: HandoffReply = event.data;
    if (reply.type === 'ready') {
      this._onReady?.();
      return;
    }
    const pending = this._pending.get(reply.id);
    if (!pending) {
      return;
    }
    this._pending.delete(reply.id);
    if (reply.type === 'done') {
      pending.resolve();
    } else {
      pending.reject(new HandoffError('refused', reply.reason));
    }
  };

  private readonly _gatewayUrl: string;
  private readonly _origin: string;
  private readonly _timeoutMs: number;
  private readonly _host: HTMLElement;
  private _frame: HTMLIFrameElement | null = null;
  private _loaded: Promise<HTMLIFrameElement> | null = null;
  private _onReady: (() => void) | null = null;
  private _lastId = 0;
  private _disposed = false;
  private readonly _cookieReplaced = new Signal<TokenHandoff, string>(this);
  private readonly _pending = new Map<
    number,
    { resolve: () => void; reject: (error: Error) => void }
  >();
}

export namespace TokenHandoff {
  export interface IOptions {
    /** The gateway's base URL (with its stage path, no trailing slash). */
    gatewayUrl: string;
    /** How long to wait for the page; 15 s by default. */
    timeoutMs?: number;
    /** Where the hidden frame goes; `document.body` by default. */
    host?: HTMLElement;
  }
}
