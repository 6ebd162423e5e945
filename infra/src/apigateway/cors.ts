/**
 * The CORS preflight answer: what a browser on an allowed origin may send
 * across origins. The CDK app gives it to API Gateway
 * (`defaultCorsPreflightOptions`) and the local gateway answers with the
 * same headers.
 */
import { HTTP_METHODS } from '../permissions/operation';

export const CORS_PREFLIGHT = {
  /** The status of a preflight's answer. */
  statusCode: 204,
  /** Every method an MLflow operation uses. */
  allowMethods: HTTP_METHODS,
  /** The token and JSON bodies. */
  allowHeaders: ['Authorization', 'Content-Type'],
  /** How long a browser may keep the answer (10 minutes). */
  maxAgeSeconds: 600
} as const;

/** The headers of a preflight's answer, as API Gateway's mock integration writes them. */
export function preflightHeaders(): Record<string, string> {
  return {
    'access-control-allow-methods': CORS_PREFLIGHT.allowMethods.join(','),
    'access-control-allow-headers': CORS_PREFLIGHT.allowHeaders.join(','),
    'access-control-max-age': String(CORS_PREFLIGHT.maxAgeSeconds)
  };
}
