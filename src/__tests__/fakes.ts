/**
 * Stand-ins for the tests: unsigned tokens (the browser never checks
 * signatures) and a settings model without a registry.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { DEFAULT_CONFIG, MlflowConfig, isConfigured } from '../config';
import {
  AuthStatus,
  IMlflowAuth,
  IMlflowSettings,
  IMlflowUser
} from '../tokens';

export function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** An unsigned JWT with these claims. */
export function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => base64url(JSON.stringify(value));
  return `${part({ alg: 'RS256', kid: 'k' })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** An access token for `username` in `groups`, valid for `seconds` from `nowMs`. */
export function accessToken(
  username: string,
  groups: string[],
  nowMs = Date.now(),
  seconds = 3600
): string {
  const iat = Math.floor(nowMs / 1000);
  return jwt({
    username,
    'cognito:groups': groups,
    token_use: 'access',
    iat,
    exp: iat + seconds,
    jti: Math.random().toString(36)
  });
}

export const CONFIGURED: MlflowConfig = {
  ...DEFAULT_CONFIG,
  gatewayUrl: 'https://gw.example.com/prod',
  region: 'us-east-1',
  userPoolId: 'us-east-1_AbCdEf123',
  userPoolClientId: 'client1'
};

/** Settings whose configuration the test sets. */
export class FakeSettings implements IMlflowSettings {
  constructor(config: MlflowConfig = CONFIGURED) {
    this.config = config;
  }
  config: MlflowConfig;
  problems: ReadonlyArray<string> = [];
  get isConfigured(): boolean {
    return this.problems.length === 0 && isConfigured(this.config);
  }
  readonly changed: ISignal<IMlflowSettings, MlflowConfig> = new Signal<
    IMlflowSettings,
    MlflowConfig
  >(this);
  set(config: MlflowConfig): void {
    this.config = config;
    (this.changed as Signal<IMlflowSettings, MlflowConfig>).emit(config);
  }
}

/** An auth service whose state the test sets. */
export class FakeAuth implements IMlflowAuth {
  status: AuthStatus = 'signed-out';
  user: IMlflowUser | null = null;
  token = '';
  restored = 0;
  readonly changed: Signal<IMlflowAuth, AuthStatus> = new Signal(this);
  readonly tokenChanged: Signal<IMlflowAuth, string | null> = new Signal(this);
  async restore(): Promise<AuthStatus> {
    this.restored++;
    return this.status;
  }
  async accessToken(): Promise<string> {
    return this.token;
  }
  async signOut(): Promise<void> {
    this.set('signed-out', null);
  }
  async loadSignInForm(): Promise<any> {
    return () => null;
  }
  set(status: AuthStatus, token: string | null): void {
    this.status = status;
    this.token = token ?? '';
    this.user = token ? { username: 'reader', groups: ['readers'] } : null;
    this.changed.emit(status);
    this.tokenChanged.emit(token);
  }
}
