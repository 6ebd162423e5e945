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

/**
 * The headers in which the gateway tells MLflow about each request it
 * forwards: how it was authorized, who made it, the caller's roles, the
 * request's id, and the proof that it came through the gateway. Both
 * gateways set every one of them on every request (a client's own value
 * never passes), and the MLflow server app of the Python package reads
 * them (`sagemaker_studio_mlflow/server/`).
 */
export const GATEWAY_HEADERS = {
  authorization: 'X-Gateway-Authorization',
  principal: 'X-Gateway-Principal',
  roles: 'X-Gateway-Roles',
  requestId: 'X-Gateway-Request-Id',
  proof: 'X-Gateway-Proof'
} as const;
export type GatewayHeader = keyof typeof GATEWAY_HEADERS;

/** What every gateway header's name starts with: a client's are dropped. */
export const GATEWAY_HEADER_PREFIX = 'x-gateway-';

/** The request header in which MLflow learns who made a request. */
export const PRINCIPAL_HEADER = GATEWAY_HEADERS.principal;

/** The principal of a request to a method that authorizes nobody. */
export const ANONYMOUS_PRINCIPAL = 'anonymous';

/** The stage variable that holds the proof in AWS (`$stageVariables.gatewayProof`). */
export const PROOF_STAGE_VARIABLE = 'gatewayProof';

/** What API Gateway knows of a request and its caller (`$context`, `$stageVariables`). */
export interface CallerContext {
  /** The signer's ARN, for `iam` methods (`$context.identity.userArn`). */
  readonly userArn?: string;
  /** The context a Lambda authorizer returned, for `token` methods. */
  readonly authorizer?: Readonly<Record<string, string>>;
  /** The request's id (`$context.requestId`). */
  readonly requestId?: string;
  /** The gateway's proof (`$stageVariables.gatewayProof`). */
  readonly proof?: string;
}

export interface HeaderSource {
  /** The integration request parameter's mapping expression. */
  readonly expression: string;
  /** The value API Gateway maps it to for a caller. */
  readonly value: (caller: CallerContext) => string | undefined;
}

const staticValue = (text: string): HeaderSource => ({
  expression: `'${text}'`,
  value: () => text
});

const requestId: HeaderSource = {
  expression: 'context.requestId',
  value: caller => caller.requestId
};

const proof: HeaderSource = {
  expression: `stageVariables.${PROOF_STAGE_VARIABLE}`,
  value: caller => caller.proof
};

/**
 * Where each gateway header's value comes from, by authorization: the CDK
 * app maps `expression` into every integration request, and the local
 * gateway sends `value`, so MLflow hears the same from both. An IAM
 * caller's roles are not the gateway's to say (API Gateway knows only the
 * signer's ARN): MLflow maps the principal itself, and the header is
 * mapped empty so that no client's value passes.
 */
export const GATEWAY_HEADER_SOURCES: Readonly<
  Record<Authorization, Readonly<Record<GatewayHeader, HeaderSource>>>
> = {
  iam: {
    authorization: staticValue('iam'),
    principal: {
      expression: 'context.identity.userArn',
      value: caller => caller.userArn
    },
    roles: staticValue(''),
    requestId,
    proof
  },
  token: {
    authorization: staticValue('token'),
    principal: {
      expression: 'context.authorizer.principal',
      value: caller => caller.authorizer?.principal
    },
    roles: {
      expression: 'context.authorizer.groups',
      value: caller => caller.authorizer?.groups
    },
    requestId,
    proof
  },
  none: {
    authorization: staticValue('none'),
    principal: staticValue(ANONYMOUS_PRINCIPAL),
    roles: staticValue(''),
    requestId,
    proof
  }
};

/** The gateway headers' values for one request, by header name. */
export function gatewayHeaderValues(
  authorization: Authorization,
  caller: CallerContext
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [header, source] of Object.entries(
    GATEWAY_HEADER_SOURCES[authorization]
  ) as [GatewayHeader, HeaderSource][]) {
    values[GATEWAY_HEADERS[header]] = source.value(caller) ?? '';
  }
  return values;
}
