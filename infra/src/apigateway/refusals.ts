/**
 * The answers API Gateway gives itself instead of MLflow's: each kind of
 * refusal once, keyed by its gateway response type. The CDK app turns each
 * into a gateway response, and the local gateway refuses with the same
 * status, `x-amzn-ErrorType` and body. Bodies are MLflow's error format,
 * `{"error_code": ..., "message": ...}`, so the SDK and the UI show why.
 *
 * A part left out is API Gateway's own: it fills in the status of its
 * default responses, the error type where one response type covers several
 * (a missing and an incomplete signature are both Missing Authentication
 * Token), and its message (`$context.error.messageString`). The local
 * gateway then fills them in as API Gateway would.
 */
import { SDK_AUTH_PROVIDER } from '../contract';
import { MAX_COSTLY_BODY_BYTES } from './cost-bounds';
import { INTEGRATION_TIMEOUT_SECONDS, MAX_PAYLOAD_BYTES } from './limits';

export interface RefusalKind {
  /** The HTTP status; left out for API Gateway's default responses. */
  readonly status?: number;
  /** The `x-amzn-ErrorType` header. */
  readonly errorType?: string;
  /** MLflow's `error_code`. */
  readonly errorCode: string;
  readonly message?: string;
  /**
   * The table's message comes first and API Gateway's own is kept in the
   * body's `gateway_message`: a gateway response cannot join two strings
   * into one JSON string, and MLflow's SDK shows only `message`.
   */
  readonly keepsGatewayMessage?: boolean;
}

const MB = MAX_PAYLOAD_BYTES / (1024 * 1024);

/**
 * The fix for MLflow's stock signer (`MLFLOW_TRACKING_AWS_SIGV4=true`, as
 * the AWS blog sets up, `requests-auth-aws-sigv4`): it signs a query with
 * spaces as `+`, only the last of repeated query keys and an escaped path
 * once, so API Gateway finds its signature bad. The SDK's error shows it.
 */
export const STOCK_SIGNER_HINT =
  'If MLFLOW_TRACKING_AWS_SIGV4=true is set, MLflow’s own signer signed this request, and it signs ' +
  'queries with spaces or repeated keys and escaped paths differently from AWS: ' +
  `unset MLFLOW_TRACKING_AWS_SIGV4 and set MLFLOW_TRACKING_AUTH=${SDK_AUTH_PROVIDER} ` +
  '(the signer of the sagemaker-studio-mlflow package).';

/** Every refusal kind, by API Gateway's gateway response type (`ResponseType`). */
export const REFUSALS = {
  /** A missing or invalid token: the authorizer threw `Unauthorized`. */
  UNAUTHORIZED: {
    status: 401,
    errorType: 'UnauthorizedException',
    errorCode: 'UNAUTHENTICATED'
  },
  /** A policy (the caller's IAM policy or the authorizer's) does not allow the method ARN. */
  ACCESS_DENIED: {
    status: 403,
    errorType: 'AccessDeniedException',
    errorCode: 'PERMISSION_DENIED'
  },
  /** No method for the request, or an `iam` method without a (complete) signature. */
  MISSING_AUTHENTICATION_TOKEN: {
    status: 403,
    errorCode: 'PERMISSION_DENIED',
    message:
      'Missing Authentication Token: the request is not signed, or it is not an MLflow operation this gateway serves.'
  },
  /**
   * A signature that does not verify, or an access key API Gateway does not
   * know. MLflow's stock signer ends here, not at the other types: its
   * requests are signed in full, only not as SigV4 says.
   */
  INVALID_SIGNATURE: {
    status: 403,
    errorCode: 'PERMISSION_DENIED',
    message:
      'The gateway refused the request’s AWS signature (its reason is in gateway_message): it does not match ' +
      'the request, it is dated too far from the gateway’s clock, or its access key is unknown. ' +
      STOCK_SIGNER_HINT,
    keepsGatewayMessage: true
  },
  EXPIRED_TOKEN: { status: 403, errorCode: 'PERMISSION_DENIED' },
  /**
   * Request parameters refused. API Gateway answers so for its request
   * validators; the local gateway for method-override headers and paths
   * MLflow would read differently.
   */
  BAD_REQUEST_PARAMETERS: {
    status: 400,
    errorType: 'BadRequestException',
    errorCode: 'INVALID_PARAMETER_VALUE'
  },
  /** A body over the payload limit. API Gateway's own 413 ("Request Too Long") says BadRequestException. */
  REQUEST_TOO_LARGE: {
    status: 413,
    errorType: 'BadRequestException',
    errorCode: 'INVALID_PARAMETER_VALUE',
    message: `The request is larger than the gateway’s ${MB} MB; large artifacts go to S3 directly.`
  },
  THROTTLED: { status: 429, errorCode: 'REQUEST_LIMIT_EXCEEDED' },
  /** The Lambda authorizer failed other than with `Unauthorized`. */
  AUTHORIZER_CONFIGURATION_ERROR: {
    status: 500,
    errorType: 'AuthorizerConfigurationException',
    errorCode: 'INTERNAL_ERROR',
    message: 'The authorizer failed.'
  },
  AUTHORIZER_FAILURE: {
    status: 500,
    errorCode: 'INTERNAL_ERROR',
    message: 'The authorizer failed.'
  },
  /** MLflow cannot be reached. API Gateway's default is 504; this is a bad gateway, not a slow one. */
  INTEGRATION_FAILURE: {
    status: 502,
    errorCode: 'BAD_GATEWAY',
    message: 'MLflow is not reachable behind the gateway.'
  },
  INTEGRATION_TIMEOUT: {
    status: 504,
    errorCode: 'GATEWAY_TIMEOUT',
    message: `MLflow did not answer within ${INTEGRATION_TIMEOUT_SECONDS} s.`
  },
  /**
   * A managed rule of the web ACL (AWS WAF) blocked the request. The web
   * ACL's own rules answer with their own bodies (`EDGE_REFUSALS`), which
   * take precedence over this response.
   */
  WAF_FILTERED: {
    status: 403,
    errorCode: 'PERMISSION_DENIED',
    message:
      'The gateway’s web application firewall refused the request (a known attack pattern or an address of bad reputation).'
  },
  DEFAULT_4XX: { errorCode: 'BAD_REQUEST' },
  DEFAULT_5XX: { errorCode: 'INTERNAL_ERROR' }
} as const satisfies Record<string, RefusalKind>;

/** A gateway response type that has a refusal kind, e.g. `ACCESS_DENIED`. */
export type RefusalType = keyof typeof REFUSALS;

/**
 * What the web ACL in front of the API (AWS WAF) answers itself, each as a
 * kind of the table with its own message; the local gateway refuses such
 * requests with the same answer where it checks the same thing.
 */
export const EDGE_REFUSALS = {
  /** A path with encoded separators, dot segments or needless escapes (`path-canonical.ts`). */
  NON_CANONICAL_PATH: {
    type: 'BAD_REQUEST_PARAMETERS',
    message:
      'The path has encoded separators, dot segments or escapes of characters that need none (such as %67 for g); the gateway refuses it.'
  },
  /** A search or GraphQL body over what one request may cost (`cost-bounds.ts`). */
  COSTLY_REQUEST: {
    type: 'BAD_REQUEST_PARAMETERS',
    message: `The request body is over ${MAX_COSTLY_BODY_BYTES / 1024} KB, the most the gateway admits for a search or a GraphQL query (its filter or query text costs MLflow time for every user): shorten the filter or the query, or split it into several requests.`
  },
  /** One address sent more than the web ACL's per-address limit. */
  RATE_LIMITED: {
    type: 'THROTTLED',
    message:
      'Too many requests from this address; the gateway admits it again within a few minutes.'
  }
} as const satisfies Record<
  string,
  { readonly type: RefusalType; readonly message: string }
>;

export type EdgeRefusalType = keyof typeof EDGE_REFUSALS;

/**
 * The key of the Lambda authorizer's context that holds, for a request it
 * refuses, what was refused in words, the caller's roles and whom to ask
 * (`$context.authorizer.refusal`; empty for a request it allows).
 */
export const REFUSAL_CONTEXT_KEY = 'refusal';

/** The key of the authorizer's context that holds the caller's roles, comma-separated. */
export const ROLES_CONTEXT_KEY = 'roles';

/** What API Gateway says (`$context.error.message`) when a Lambda authorizer's policy refuses. */
export const AUTHORIZER_DENIED_MESSAGE =
  'User is not authorized to access this resource';

/**
 * The message of an `ACCESS_DENIED` refusal: the authorizer's words (for a
 * token caller), then API Gateway's own text (for an IAM caller, the only
 * part: `User: arn:… is not authorized to perform: execute-api:Invoke …`).
 * Gateway responses have no conditionals (their templates are not VTL),
 * so both parts are always there; one of them is usually empty.
 */
export const ACCESS_DENIED_MESSAGE = {
  /** The template's JSON string, as the CDK app writes it. */
  template: `"$context.authorizer.${REFUSAL_CONTEXT_KEY}$context.error.message"`,
  /** The same message, for the local gateway. */
  value: (
    authorizer: Readonly<Record<string, string>> | undefined,
    gatewayMessage: string
  ): string => `${authorizer?.[REFUSAL_CONTEXT_KEY] ?? ''}${gatewayMessage}`
} as const;

/** API Gateway's own message as a JSON string, in a gateway response template. */
const GATEWAY_MESSAGE_STRING = '$context.error.messageString';

/**
 * The gateway response template (`application/json`) for a refusal type,
 * MLflow's error format: `message` is the table's own words, API Gateway's
 * (`$context.error.messageString`, a JSON string), or for `ACCESS_DENIED`
 * the authorizer's words first; `gateway_message` where the table keeps
 * API Gateway's words beside its own.
 */
export function gatewayResponseTemplate(type: RefusalType): string {
  const kind: RefusalKind = REFUSALS[type];
  const message =
    kind.message !== undefined
      ? JSON.stringify(kind.message)
      : type === 'ACCESS_DENIED'
        ? ACCESS_DENIED_MESSAGE.template
        : GATEWAY_MESSAGE_STRING;
  const gatewayMessage = kind.keepsGatewayMessage
    ? `, "gateway_message": ${GATEWAY_MESSAGE_STRING}`
    : '';
  return `{"error_code": "${kind.errorCode}", "message": ${message}${gatewayMessage}}`;
}

/** Whether a refusal of this type answers with API Gateway's own message. */
export function takesGatewayMessage(type: RefusalType): boolean {
  const kind: RefusalKind = REFUSALS[type];
  return kind.message === undefined || kind.keepsGatewayMessage === true;
}

/** MLflow's error format. */
export interface ErrorBody {
  readonly error_code: string;
  readonly message: string;
  /** API Gateway's own words, where the table's message replaces them. */
  readonly gateway_message?: string;
}

/** A refusal as the caller receives it. */
export interface Refusal {
  readonly type: RefusalType;
  readonly status: number;
  /** Absent where API Gateway sends none of its own. */
  readonly errorType?: string;
  readonly body: ErrorBody;
}

/** What API Gateway fills in itself for a refusal: the parts its kind leaves out. */
export interface RefusalDetails {
  readonly status?: number;
  readonly errorType?: string;
  readonly message?: string;
}

/**
 * The answer to a refusal of this type, with the parts API Gateway fills
 * in itself given as `details`. Giving a part the table fixes is a mistake
 * (the table must not be overruled), and so is leaving out the status or
 * message when the table has none. Where the table keeps API Gateway's
 * message beside its own, that message is needed and goes to
 * `gateway_message`.
 */
export function refusal(
  type: RefusalType,
  details: RefusalDetails = {}
): Refusal {
  const kind: RefusalKind = REFUSALS[type];
  for (const part of ['status', 'errorType', 'message'] as const) {
    const kept = part === 'message' && kind.keepsGatewayMessage === true;
    if (kind[part] !== undefined && details[part] !== undefined && !kept) {
      throw new Error(`${type}: the ${part} is the table's, not the caller's.`);
    }
  }
  const status = kind.status ?? details.status;
  const message = kind.message ?? details.message;
  if (
    status === undefined ||
    message === undefined ||
    (takesGatewayMessage(type) && details.message === undefined)
  ) {
    throw new Error(`${type}: API Gateway's status and message are needed.`);
  }
  const errorType = kind.errorType ?? details.errorType;
  const gatewayMessage = kind.keepsGatewayMessage
    ? { gateway_message: details.message }
    : {};
  return {
    type,
    status,
    ...(errorType === undefined ? {} : { errorType }),
    body: { error_code: kind.errorCode, message, ...gatewayMessage }
  };
}

/** The answer the web ACL gives for this kind of refusal. */
export function edgeRefusal(type: EdgeRefusalType): Refusal {
  const { type: kind, message } = EDGE_REFUSALS[type];
  return refusal(kind, { message });
}
