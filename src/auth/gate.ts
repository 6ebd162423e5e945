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
