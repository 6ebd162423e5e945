/**
 * How an API Gateway method is authorized, and who API Gateway then says
 * the caller is.
 */

/**
 * A method's authorization type: `iam` (`AWS_IAM`, SigV4), `token` (a
 * Lambda authorizer, `CUSTOM`) or `none` (`NONE`, anyone).
 */
export type Authorization = 'iam' | 'token' | 'none';

/**
 * The error a Lambda authorizer throws for a missing or invalid token, which
 * API Gateway answers with 401; any other error is a 500.
 */
export const UNAUTHORIZED_ERROR = 'Unauthorized';

/** The request header in which MLflow learns who made a request. */
export const PRINCIPAL_HEADER = 'X-Gateway-Principal';

/** The principal of a request to a method that authorizes nobody. */
export const ANONYMOUS_PRINCIPAL = 'anonymous';

/** What API Gateway knows of an authorized caller (`$context.identity`, `$context.authorizer`). */
export interface CallerContext {
  /** The signer's ARN, for `iam` methods (`$context.identity.userArn`). */
  readonly userArn?: string;
  /** The context a Lambda authorizer returned, for `token` methods. */
  readonly authorizer?: Readonly<Record<string, string>>;
}

export interface PrincipalSource {
  /** The integration request parameter's mapping expression. */
  readonly expression: string;
  /** The value API Gateway maps it to for a caller. */
  readonly value: (caller: CallerContext) => string | undefined;
}

/**
 * Where the principal header's value comes from, by authorization: the
 * CDK app maps `expression` into every integration request, and the local
 * gateway sends `value`, so MLflow sees the same principal from both.
 */
export const PRINCIPAL_SOURCES: Readonly<
  Record<Authorization, PrincipalSource>
> = {
  iam: {
    expression: 'context.identity.userArn',
    value: caller => caller.userArn
  },
  token: {
    expression: 'context.authorizer.principal',
    value: caller => caller.authorizer?.principal
  },
  none: {
    expression: `'${ANONYMOUS_PRINCIPAL}'`,
    value: () => ANONYMOUS_PRINCIPAL
  }
};
