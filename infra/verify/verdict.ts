/**
 * What an answer means for a check. A gateway refusal is 401 or 403, or a
 * 400 the gateway gave itself (API Gateway marks its own answers with
 * `x-amzn-ErrorType`; a 400 without it is MLflow's, so the request got
 * through). The gateway's other answers (MLflow unreachable or slow,
 * throttling) are neither; everything else reached MLflow, whatever
 * MLflow made of the sample's made-up names. That includes a refusal of
 * team permissions (`"details": {"reason": "teams"}`, the MLflow server
 * app's words for MLflow's auth app): the request passed both role gates,
 * and MLflow's per-resource layer refuses what it cannot find (the made-up
 * names) or keeps to admins; `tests/integration/test_team_permissions.py`
 * checks that layer.
 */
import { REFUSALS } from '../src/apigateway';
import type { HttpAnswer } from './http';

export type Expected = 'allow' | 'refuse' | 'headers';

export const VERDICTS = [
  'pass',
  /** Should have been refused and got through: the one that matters most. */
  'FALSE ALLOW',
  /** Should have been allowed and was refused. */
  'false refusal',
  /** Refused, but not in MLflow's error format (the SDK and UI cannot say why). */
  'refused, not MLflow format',
  /** Neither allowed nor refused (a 5xx from the gateway, a header missing, no answer). */
  'fail',
  /** No credentials for this role and path: nothing was sent. */
  'not checked'
] as const;
export type Verdict = (typeof VERDICTS)[number];

export const GATEWAY_ERROR_TYPE = 'x-amzn-errortype';

/** MLflow's error format: `{"error_code": "...", "message": "..."}`. */
export function errorCodeOf(answer: HttpAnswer): string | undefined {
  try {
    const body = JSON.parse(answer.body) as unknown;
    if (
      typeof body === 'object' &&
      body !== null &&
      typeof (body as Record<string, unknown>).error_code === 'string' &&
      typeof (body as Record<string, unknown>).message === 'string'
    ) {
      return (body as Record<string, string>).error_code;
    }
  } catch {
    // Not JSON: not MLflow's format.
  }
  return undefined;
}

/** Error codes only the gateway answers with, never MLflow. */
const GATEWAY_ONLY_CODES: ReadonlySet<string> = new Set([
  REFUSALS.INTEGRATION_FAILURE.errorCode,
  REFUSALS.INTEGRATION_TIMEOUT.errorCode
]);
const THROTTLED = 429;

/** An answer of the gateway itself, not MLflow's. */
export function isGatewayAnswer(answer: HttpAnswer): boolean {
  const code = errorCodeOf(answer);
  return (
    answer.headers[GATEWAY_ERROR_TYPE] !== undefined ||
    answer.status === THROTTLED ||
    (code !== undefined && GATEWAY_ONLY_CODES.has(code))
  );
}

/** MLflow's auth app refused, behind both role gates (team permissions). */
export function isTeamRefusal(answer: HttpAnswer): boolean {
  if (answer.status !== 403) {
    return false;
  }
  try {
    const body = JSON.parse(answer.body) as {
      details?: { reason?: unknown };
    } | null;
    return body?.details?.reason === 'teams';
  } catch {
    return false;
  }
}

export function isRefusal(answer: HttpAnswer): boolean {
  return (
    answer.status === 401 ||
    answer.status === 403 ||
    (answer.status === 400 && isGatewayAnswer(answer))
  );
}

/** `403 AccessDeniedException PERMISSION_DENIED`: what the table shows as got. */
export function describeAnswer(answer: HttpAnswer): string {
  return [
    String(answer.status),
    answer.headers[GATEWAY_ERROR_TYPE],
    errorCodeOf(answer)
  ]
    .filter(part => part !== undefined)
    .join(' ');
}

/**
 * The verdict on an answer. `problems` are what a header check found wrong
 * (none: it passes).
 */
export function judge(
  expected: Expected,
  answer: HttpAnswer,
  problems: readonly string[] = []
): Verdict {
  switch (expected) {
    case 'headers':
      return problems.length === 0 ? 'pass' : 'fail';
    case 'allow':
      if (isRefusal(answer) && !isTeamRefusal(answer)) {
        return 'false refusal';
      }
      return isGatewayAnswer(answer) ? 'fail' : 'pass';
    case 'refuse':
      if (isRefusal(answer)) {
        return errorCodeOf(answer) === undefined
          ? 'refused, not MLflow format'
          : 'pass';
      }
      // The gateway answered, but with no refusal (throttled, its own 5xx).
      return isGatewayAnswer(answer) ? 'fail' : 'FALSE ALLOW';
  }
}

export interface Outcome {
  readonly verdict: Verdict;
}

/**
 * The command's exit status: 1 when anything was falsely allowed, 2 when
 * other checks failed, 0 when every check sent passed.
 */
export function exitCode(outcomes: readonly Outcome[]): number {
  if (outcomes.some(o => o.verdict === 'FALSE ALLOW')) {
    return 1;
  }
  return outcomes.some(o => o.verdict !== 'pass' && o.verdict !== 'not checked')
    ? 2
    : 0;
}
