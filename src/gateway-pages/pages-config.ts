/**
 * The gateway pages' own configuration (`/auth/config.json`, beside them)
 * and the gateway they are on, for the sign-in page and the SSO pages.
 */
import { DEFAULT_CONFIG, MlflowConfig } from '../config';
import { IPagesConfig, PAGES_CONFIG_FILE } from '../contract';

export async function readPagesConfig(): Promise<IPagesConfig> {
  const response = await fetch(PAGES_CONFIG_FILE, { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`The gateway answered ${response.status}.`);
  }
  return (await response.json()) as IPagesConfig;
}

/** The gateway's URL: the MLflow UI is its root, `/auth/` pages beside it. */
export function pageGatewayUrl(): string {
  return new URL('..', window.location.href).href.replace(/\/$/, '');
}

/** The sign-in settings the shared sign-in code reads, from the pages' configuration. */
export function signInConfigOf(
  pages: IPagesConfig,
  gatewayUrl: string
): MlflowConfig {
  return {
    ...DEFAULT_CONFIG,
    gatewayUrl,
    region: pages.cognito.region,
    userPoolId: pages.cognito.userPoolId,
    userPoolClientId: pages.cognito.userPoolClientId,
    cognitoEndpoint: pages.cognito.endpoint,
    authFlow: pages.cognito.authFlow
  };
}
