/**
 * How API Gateway decides a request with an IAM-style policy: the policy an
 * authorizer returns, or the caller's IAM policy for `AWS_IAM` methods. The
 * local gateway decides with this, so it must match API Gateway exactly.
 */

export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  Effect: Effect;
  Action: string | string[];
  Resource: string | string[];
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

const list = (value: string | string[]): string[] =>
  Array.isArray(value) ? value : [value];

/**
 * Whether an ARN pattern matches an ARN: `*` stands for any run of
 * characters, `/` included, and `?` for exactly one; everything else is
 * literal and case-sensitive.
 */
export function arnPatternMatches(pattern: string, arn: string): boolean {
  return patternRegExp(pattern).test(arn);
}

// Policies repeat the same few hundred patterns on every request.
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 10_000;

function patternRegExp(pattern: string): RegExp {
  let regExp = compiled.get(pattern);
  if (regExp === undefined) {
    let source = '';
    for (const char of pattern) {
      if (char === '*') {
        source += '[\\s\\S]*';
      } else if (char === '?') {
        source += '[\\s\\S]';
      } else {
        source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
    }
    regExp = new RegExp(`^${source}$`, 'u');
    if (compiled.size < MAX_COMPILED) {
      compiled.set(pattern, regExp);
    }
  }
  return regExp;
}

/** IAM action names are case-insensitive; `*` wildcards work as in resources. */
function actionMatches(pattern: string, action: string): boolean {
  return arnPatternMatches(pattern.toLowerCase(), action.toLowerCase());
}

const INVOKE = 'execute-api:Invoke';

/**
 * Allowed when some statement allows invoking the method ARN and none denies
 * it: an explicit Deny wins, and no statement at all means deny.
 */
export function evaluatePolicy(
  policy: PolicyDocument,
  methodArn: string
): 'allow' | 'deny' {
  let allowed = false;
  for (const statement of policy.Statement) {
    const applies =
      list(statement.Action).some(action => actionMatches(action, INVOKE)) &&
      list(statement.Resource).some(resource =>
        arnPatternMatches(resource, methodArn)
      );
    if (!applies) {
      continue;
    }
    if (statement.Effect === 'Deny') {
      return 'deny';
    }
    if (statement.Effect === 'Allow') {
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'deny';
}
