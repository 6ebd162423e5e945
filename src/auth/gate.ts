import type { IMlflowAuth, IMlflowSettings } from '../tokens';

/** Where a view of MLflow stands before it can call the gateway. */
export type SessionGate =
  | { kind: 'unconfigured'; problems: ReadonlyArray<string> }
  | { kind: 'connecting' }
  | { kind: 'signed-out' }
  | { kind: 'signed-in' };

/**
 * The first step of every MLflow view: are the settings usable, and is
 * anyone signed in? When nobody knows yet, it starts restoring the session
 * (loading the sign-in library); the outcome comes back through
 * `auth.changed`, a failure through `onRestoreFailed`.
 */
export function sessionGate(
  settings: IMlflowSettings,
  auth: IMlflowAuth,
  onRestoreFailed: (reason: unknown) => void
): SessionGate {
  if (!settings.isConfigured) {
    return { kind: 'unconfigured', problems: settings.problems };
  }
  switch (auth.status) {
    case 'unconfigured':
    case 'unknown':
      auth.restore().catch(onRestoreFailed);
      return { kind: 'connecting' };
    case 'signed-out':
      return { kind: 'signed-out' };
    case 'signed-in':
      return { kind: 'signed-in' };
  }
}

/**
 * A view's checks of the session, one after another: each new check (the
 * settings or the sign-in changed) makes the earlier ones stale, so a slow
 * answer never overwrites what a later check found.
 */
export class SessionChecks {
  constructor(
    private readonly _settings: IMlflowSettings,
    private readonly _auth: IMlflowAuth,
    private readonly _isDisposed: () => boolean
  ) {}

  /**
   * Start a check: where the session stands (`sessionGate`), and whether
   * this check is still the latest. A failed restore is reported to
   * `onRestoreFailed` only while it is.
   */
  next(onRestoreFailed: (reason: unknown) => void): {
    gate: SessionGate;
    current: () => boolean;
  } {
    const check = ++this._checks;
    const current = () => check === this._checks && !this._isDisposed();
    const gate = sessionGate(this._settings, this._auth, reason => {
      if (current()) {
        onRestoreFailed(reason);
      }
    });
    return { gate, current };
  }

  private _checks = 0;
}
