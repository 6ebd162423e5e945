/**
 * Calls to MLflow's UI API (`/ajax-api/`) through the gateway, with the
 * signed-in user's token, and what a failure means to a user.
 */
import { ICallerPermissions, PERMISSIONS_PATH } from './contract';

/**
 * Why a call failed:
 * - `unreachable`: no answer (gateway down, network, CORS refused);
 * - `unauthorized`: the gateway rejected the token (401);
 * - `forbidden`: the user's groups may not do this (403);
 * - `unavailable`: the gateway answers but MLflow does not (502, 503, 504:
 *   down, restarting or too slow), which passes once MLflow is back;
 * - `mlflow`: MLflow answered with an error (bad input, not found).
 */
export type ApiErrorKind =
  'unreachable' | 'unauthorized' | 'forbidden' | 'unavailable' | 'mlflow';

export class MlflowApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status: number = 0,
    /** MLflow's or the gateway's `error_code`, when it sent one. */
    readonly errorCode: string = '',
    /** Why the MLflow server app refused, when it says (`details.reason`). */
    readonly reason: string = ''
  ) {
    super(message);
    this.name = 'MlflowApiError';
  }
}

export interface IApiOptions {
  /** The gateway's base URL. */
  gatewayUrl: string;
  /** A fresh access token for each call. */
  token: () => Promise<string>;
  /** `fetch`, replaceable in tests. */
  fetch?: typeof fetch;
}

/** How to make a call: method, query parameters, JSON body. */
export interface ICallInit {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  query?: Record<string, string>;
  body?: unknown;
}

/**
 * Call an MLflow UI API route (e.g. `2.0/mlflow/experiments/search`) and
 * return its JSON.
 *
 * @throws MlflowApiError
 */
export function callMlflow<T>(
  options: IApiOptions,
  route: string,
  init: ICallInit = {}
): Promise<T> {
  return callGateway<T>(options, `/ajax-api/${route}`, init);
}

/**
 * Call a path of the gateway (e.g. `/auth/permissions`) with the token and
 * return its JSON.
 *
 * @throws MlflowApiError
 */
export async function callGateway<T>(
  options: IApiOptions,
  path: string,
  init: ICallInit = {}
): Promise<T> {
  const url = new URL(`${options.gatewayUrl}${path}`);
  for (const [name, value] of Object.entries(init.query ?? {})) {
    url.searchParams.set(name, value);
  }
  const token = await options.token();
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url.toString(), {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${token}`,
        ...(init.body === undefined
          ? {}
          : { 'Content-Type': 'application/json' })
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'omit'
    });
  } catch {
    throw new MlflowApiError(
      'unreachable',
      `The MLflow gateway at ${options.gatewayUrl} cannot be reached.`
    );
  }
  const text = await response.text().catch(() => '');
  let body: any = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) {
    return body as T;
  }
  const errorCode = typeof body?.error_code === 'string' ? body.error_code : '';
  const detail =
    typeof body?.message === 'string' && body.message !== ''
      ? body.message
      : `HTTP ${response.status}`;
  const kind: ApiErrorKind =
    response.status === 401
      ? 'unauthorized'
      : response.status === 403
        ? 'forbidden'
        : response.status >= 502 && response.status <= 504
          ? 'unavailable'
          : 'mlflow';
  const reason =
    typeof body?.details?.reason === 'string' ? body.details.reason : '';
  throw new MlflowApiError(kind, detail, response.status, errorCode, reason);
}

/** What the caller's roles allow, from the gateway's permission model. */
export function callerPermissions(
  api: IApiOptions
): Promise<ICallerPermissions> {
  return callGateway<ICallerPermissions>(api, PERMISSIONS_PATH);
}
