/**
 * How the local gateway decides a request, the way API Gateway decides it
 * in AWS (`infra/src/apigateway/`): the body must fit the payload limit;
 * the request must land on a method of the API's resource tree
 * (`gatewayRoutes()`); then an `iam` method needs a SigV4 signature whose
 * role's IAM policy allows the method ARN, a `token` method a token whose
 * authorizer policy allows it, and a `none` method (the data-free UI
 * shell) lets anyone in. Where the SDK and the UI's clients both call a
 * route, a Bearer token is decided by the authorizer, anything else as IAM.
 * Before routing, the gateway also refuses requests MLflow would read
 * otherwise than it does, as the web ACL does in AWS (`path-canonical.ts`).
 *
 * For tests of MLflow's own decision only, `letEverythingThrough` keeps
 * the identification and skips every refusal of the gateway's own.
 */
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

import {
  ACCESS_DENIED_MESSAGE,
  AUTHORIZER_DENIED_MESSAGE,
  type Authorization,
  CallerContext,
  GATEWAY_HEADER_SOURCES,
  MAX_PAYLOAD_BYTES,
  PolicyDocument,
  Refusal,
  RefusalDetails,
  RefusalType,
  UNAUTHORIZED_ERROR,
  edgeRefusal,
  evaluatePolicy,
  methodMatcher,
  refusal,
  takesGatewayMessage
} from '../../src/apigateway';
import type { AuthorizerResult } from '../../src/authorizer/authorizer';
import { GatewayRoute, gatewayRoutes } from '../../src/gateway-routes';
import { Operation, compileRoles, matchOperation } from '../../src/permissions';
import { isMatchablePath } from '../../src/permissions/path-template';
import {
  ApiTarget,
  apiArnPrefix,
  authorizationsOf,
  iamPolicyDocuments,
  methodArn
} from '../../src/permissions/policy';
import type { PermissionsConfig } from '../../src/permissions/roles';
import {
  SIGV4_ERROR_TYPES,
  SigV4FailureReason,
  SigV4Request,
  verifySigV4
} from './sigv4';

/** An IAM identity the gateway knows: a role's access key. */
export interface IamIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The role (Cognito group name) whose IAM policy applies. */
  readonly role: string;
  /** Who the caller is, as AWS would name it (an ARN). */
  readonly principal: string;
}

export interface AccessConfig {
  readonly api: ApiTarget;
  readonly iam: readonly IamIdentity[];
  readonly permissions?: PermissionsConfig;
  /** The Lambda authorizer's handler. */
  readonly authorize: (
    event: APIGatewayRequestAuthorizerEvent
  ) => Promise<AuthorizerResult>;
  readonly now?: () => Date;
  /**
   * Test-only: identify the caller (signature, token) as usual, but refuse
   * nothing but an oversized body, so that a test can show MLflow's own
   * decision refusing what the gateway would have. A request without valid
   * credentials goes through as `none` (anonymous). Never set by `up`.
   */
  readonly letEverythingThrough?: boolean;
}

export type GatewayRequest = SigV4Request;

export type AccessDecision =
  | {
      allowed: true;
      /** The API's method that serves the request (none: let through, see `letEverythingThrough`). */
      route?: GatewayRoute;
      /** The MLflow operation, when the request is one. */
      operation?: Operation;
      /** How the caller was identified: which gateway headers MLflow gets. */
      authorization: Authorization;
      /** Who the caller is, as API Gateway would know it. */
      caller: CallerContext;
      /** The principal MLflow is told (`X-Gateway-Principal`). */
      principal: string;
    }
  | { allowed: false; refusal: Refusal };

/** A request let through, and what MLflow is told of its caller. */
export const allowedDecision = (
  route: GatewayRoute | undefined,
  operation: Operation | undefined,
  authorization: Authorization,
  caller: CallerContext
): AccessDecision => ({
  allowed: true,
  route,
  operation,
  authorization,
  caller,
  principal: GATEWAY_HEADER_SOURCES[authorization].principal.value(caller) ?? ''
});

const refuse = (
  type: RefusalType,
  details?: RefusalDetails
): AccessDecision => ({ allowed: false, refusal: refusal(type, details) });

/** API Gateway's refusal for each way a signature fails. */
const SIGV4_REFUSALS: Record<SigV4FailureReason, RefusalType> = {
  missing: 'MISSING_AUTHENTICATION_TOKEN',
  unsupported: 'MISSING_AUTHENTICATION_TOKEN',
  malformed: 'MISSING_AUTHENTICATION_TOKEN',
  'signed-headers': 'MISSING_AUTHENTICATION_TOKEN',
  scope: 'INVALID_SIGNATURE',
  skew: 'INVALID_SIGNATURE',
  payload: 'INVALID_SIGNATURE',
  signature: 'INVALID_SIGNATURE',
  'invalid-token': 'INVALID_SIGNATURE'
};

function sigV4Refusal(
  reason: SigV4FailureReason,
  message: string
): AccessDecision {
  const type = SIGV4_REFUSALS[reason];
  const errorType = SIGV4_ERROR_TYPES[reason];
  // The verifier's words stand in for API Gateway's, where the answer has them.
  const gatewayMessage = takesGatewayMessage(type) ? { message } : {};
  return refuse(type, { errorType, ...gatewayMessage });
}

/** Methods clients use to make a proxy run another method; never forwarded. */
export const METHOD_OVERRIDE_HEADERS = [
  'x-http-method-override',
  'x-http-method',
  'x-method-override'
];

export function createAccessControl(
  config: AccessConfig
): (request: GatewayRequest) => Promise<AccessDecision> {
  const prefix = apiArnPrefix(config.api);
  const roles = compileRoles(config.permissions);
  const policies = new Map<string, PolicyDocument>();
  for (const identity of config.iam) {
    const allowed = roles.get(identity.role);
    if (allowed === undefined) {
      throw new Error(
        `Access key ${identity.accessKeyId}: no role "${identity.role}".`
      );
    }
    policies.set(identity.accessKeyId, {
      Version: '2012-10-17',
      Statement: iamPolicyDocuments(allowed, config.api).flatMap(
        document => document.Statement
      )
    });
  }
  const identities = new Map(config.iam.map(i => [i.accessKeyId, i]));
  const routeOf = methodMatcher(gatewayRoutes());

  /** Who signed the request, or why the signature does not hold. */
  const signer = async (
    request: GatewayRequest
  ): Promise<IamIdentity | AccessDecision> => {
    const verified = await verifySigV4(request, {
      region: config.api.region,
      lookup: accessKeyId => identities.get(accessKeyId),
      now: config.now
    });
    return verified.ok
      ? verified.credentials
      : sigV4Refusal(verified.reason, verified.message);
  };

  /** The authorizer's answer for the request, or API Gateway's refusal when it throws. */
  const authorizerAnswer = async (
    request: GatewayRequest,
    route: GatewayRoute | undefined,
    method: string,
    path: string,
    arn: string
  ): Promise<AuthorizerResult | AccessDecision> => {
    try {
      return await config.authorize(
        authorizerEvent(request, route, method, path, arn)
      );
    } catch (error) {
      return (error as Error).message === UNAUTHORIZED_ERROR
        ? refuse('UNAUTHORIZED', { message: UNAUTHORIZED_ERROR })
        : refuse('AUTHORIZER_CONFIGURATION_ERROR');
    }
  };

  /**
   * The test-only decision: the caller as the gateway would identify it
   * (a token where one is sent, else a valid signature, else nobody), and
   * no refusal of its own.
   */
  const letThrough = async (
    request: GatewayRequest,
    route: GatewayRoute | undefined,
    method: string,
    path: string,
    arn: string
  ): Promise<AccessDecision> => {
    const through = (
      authorization: Authorization,
      caller: CallerContext
    ): AccessDecision =>
      allowedDecision(
        route,
        isMatchablePath(path) ? matchOperation(method, path) : undefined,
        authorization,
        caller
      );
    if (route?.authorization === 'none') {
      return through('none', {});
    }
    if (bearerToken(request)) {
      const answer = await authorizerAnswer(request, route, method, path, arn);
      return 'context' in answer
        ? through('token', { authorizer: answer.context })
        : through('none', {});
    }
    const identity = await signer(request);
    return 'accessKeyId' in identity
      ? through('iam', { userArn: identity.principal })
      : through('none', {});
  };

  return async request => {
    const method = request.method.toUpperCase();
    const path = request.url.split('?')[0];
    if (request.body.length > MAX_PAYLOAD_BYTES) {
      return refuse('REQUEST_TOO_LARGE');
    }
    if (config.letEverythingThrough) {
      const route = isMatchablePath(path) ? routeOf(method, path) : undefined;
      return letThrough(
        request,
        route,
        method,
        path,
        methodArn(prefix, method, path)
      );
    }
    if (
      METHOD_OVERRIDE_HEADERS.some(name => request.headers[name] !== undefined)
    ) {
      return refuse('BAD_REQUEST_PARAMETERS', {
        message: 'Method-override headers are not accepted by the gateway.'
      });
    }
    // In AWS the web ACL refuses these paths before API Gateway; same answer.
    // (`isMatchablePath` refuses what `isRefusedPath` does, and more.)
    if (!isMatchablePath(path)) {
      return { allowed: false, refusal: edgeRefusal('NON_CANONICAL_PATH') };
    }
    const route = routeOf(method, path);
    if (route === undefined) {
      return refuse('MISSING_AUTHENTICATION_TOKEN', {
        errorType: 'MissingAuthenticationTokenException'
      });
    }
    const arn = methodArn(prefix, method, path);
    const allow = (
      authorization: Authorization,
      caller: CallerContext
    ): AccessDecision =>
      allowedDecision(
        route,
        matchOperation(method, path),
        authorization,
        caller
      );

    const bySignature = async (): Promise<AccessDecision> => {
      const identity = await signer(request);
      if (!('accessKeyId' in identity)) {
        return identity;
      }
      const policy = policies.get(identity.accessKeyId) as PolicyDocument;
      if (evaluatePolicy(policy, arn) !== 'allow') {
        return refuse('ACCESS_DENIED', {
          message: ACCESS_DENIED_MESSAGE.value(
            undefined,
            `User: ${identity.principal} is not authorized to perform: ` +
              `execute-api:Invoke on resource: ${arn}`
          )
        });
      }
      return allow('iam', { userArn: identity.principal });
    };

    const byToken = async (): Promise<AccessDecision> => {
      const answer = await authorizerAnswer(request, route, method, path, arn);
      if (!('context' in answer)) {
        return answer;
      }
      if (evaluatePolicy(answer.policyDocument, arn) !== 'allow') {
        return refuse('ACCESS_DENIED', {
          message: ACCESS_DENIED_MESSAGE.value(
            answer.context,
            AUTHORIZER_DENIED_MESSAGE
          )
        });
      }
      // A token on an `iam` route (the UI's clients) is told to MLflow as a token.
      return allow('token', { authorizer: answer.context });
    };

    switch (route.authorization) {
      case 'none':
        return allow('none', {});
      case 'iam':
        // A route the UI's clients call too takes their token here; API
        // Gateway has one authorization per method, so in AWS it is IAM only.
        return bearerToken(request) && acceptsToken(method, path)
          ? byToken()
          : bySignature();
      case 'token':
        return byToken();
    }
  };
}

/** Whether the request carries a Bearer token rather than a signature. */
function bearerToken(request: GatewayRequest): boolean {
  const header = request.headers.authorization;
  return typeof header === 'string' && /^Bearer\s/i.test(header);
}

/** Whether the operation at this path is one the UI's clients call too. */
function acceptsToken(method: string, path: string): boolean {
  const operation = matchOperation(method, path);
  return (
    operation !== undefined &&
    authorizationsOf(operation, path).includes('token')
  );
}

/** The REQUEST authorizer event API Gateway would send for this request. */
function authorizerEvent(
  request: GatewayRequest,
  route: GatewayRoute | undefined,
  method: string,
  path: string,
  arn: string
): APIGatewayRequestAuthorizerEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) {
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  const query = new URLSearchParams(request.url.split('?')[1] ?? '');
  return {
    type: 'REQUEST',
    methodArn: arn,
    resource: route?.path ?? path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: null,
    pathParameters: null,
    queryStringParameters: Object.fromEntries(query),
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext']
  };
}
