import * as fs from 'node:fs';

import { INTEGRATION_TIMEOUT_SECONDS } from '../../src/apigateway';
import type { PagesConfig } from '../../src/contract';
import type { ApiTarget } from '../../src/permissions/policy';
import type { PermissionsConfig } from '../../src/permissions/roles';
import type { IamIdentity } from './access';

/**
 * What the local gateway process is started with (`--config <file>`),
 * written by `npm run local -- up`. It holds secrets: owner-readable only.
 */
export interface GatewayConfig {
  /** MLflow's base URL. */
  upstream: string;
  /** The API the method ARNs name, as in AWS. */
  api: ApiTarget;
  /** The access key of each role's IAM identity. */
  iam: IamIdentity[];
  /** Browser origins allowed to call the gateway (CORS). */
  allowedOrigins: string[];
  authorizer: {
    /** The bundled Lambda authorizer (`handler` export). */
    bundle: string;
    /** Its Lambda environment (issuer, app clients, token use); `permissions` becomes `PERMISSIONS`. */
    environment: Record<string, string>;
  };
  /** Operator-defined roles, for the IAM policies and the authorizer alike. */
  permissions?: PermissionsConfig;
  /** The `/auth/` pages: their build folder and public configuration. */
  pages?: { dir: string; config: PagesConfig };
  /** The secret MLflow's app wants on every request (`X-Gateway-Proof`). */
  proof: string;
  /**
   * Test-only: identify callers and set every gateway header, but refuse
   * nothing of the gateway's own (see `AccessConfig`). `npm run local -- up`
   * never sets it; a test writes a copy of `.local/gateway.json` with it
   * and starts a second gateway on a port of its own.
   */
  letEverythingThrough?: boolean;
}

export function readGatewayConfig(file: string): GatewayConfig {
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as GatewayConfig;
  for (const key of [
    'upstream',
    'api',
    'iam',
    'allowedOrigins',
    'authorizer',
    'proof'
  ] as const) {
    if (config[key] === undefined) {
      throw new Error(`${file}: "${key}" is missing.`);
    }
  }
  return config;
}

/**
 * Where a test shortens how long the gateway waits for MLflow, so that a
 * hung MLflow's 504 takes seconds rather than API Gateway's 29.
 */
export const INTEGRATION_TIMEOUT_ENV =
  'LOCAL_GATEWAY_INTEGRATION_TIMEOUT_SECONDS';

/** How long the gateway waits for MLflow's answer: API Gateway's limit unless the environment says less. */
export function integrationTimeoutSeconds(
  env: NodeJS.ProcessEnv = process.env
): number {
  const text = env[INTEGRATION_TIMEOUT_ENV];
  if (text === undefined || text === '') {
    return INTEGRATION_TIMEOUT_SECONDS;
  }
  const seconds = Number(text);
  if (
    !Number.isFinite(seconds) ||
    seconds <= 0 ||
    seconds > INTEGRATION_TIMEOUT_SECONDS
  ) {
    throw new Error(
      `${INTEGRATION_TIMEOUT_ENV} must be a number of seconds above 0 and at most ${INTEGRATION_TIMEOUT_SECONDS} (API Gateway's limit), not "${text}".`
    );
  }
  return seconds;
}
