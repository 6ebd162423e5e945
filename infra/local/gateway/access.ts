/**
 * How the local gateway decides a request, the way API Gateway decides it
 * in AWS: the route must be one of MLflow's (the API's resource tree), then
 * `/api/` needs a SigV4 signature whose role's IAM policy allows the method
 * ARN, the browser paths need a token whose authorizer policy allows it, and
 * the data-free UI shell is public.
 */
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

import type { AuthorizerResult } from '../../src/authorizer/authorizer';
import {
  PolicyDocument,
  evaluatePolicy
} from '../../src/authorizer/policy-evaluation';
import { Operation, compileRoles, matchOperation } from '../../src/permissions';
import { isMatchablePath } from '../../src/permissions/path-template';
import {
  ApiTarget,
  apiArnPrefix,
  authorizationOf,
  iamPolicyDocuments,
  methodArn
} from '../../src/permissions/policy';
import type { PermissionsConfig } from '../../src/permissions/roles';
import { SigV4FailureReason, SigV4Request, verifySigV4 } from './sigv4';

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
}

export type GatewayRequest = SigV4Request;

/** MLflow's error format, so the SDK and the UI show the message. */
export interface ErrorBody {
  error_code: string;
  message: string;
}

export type AccessDecision =
  | { allowed: true; operation: Operation; principal?: string }
  | {
      allowed: false;
      status: number;
      /** API Gateway's `x-amzn-ErrorType` for the refusal. */
      errorType: string;
      body: ErrorBody;
    };

const refuse = (
  status: number,
  errorType: string,
  error_code: string,
  message: string
): AccessDecision => ({
  allowed: false,
  status,
  errorType,
  body: { error_code, message }
});

/** API Gateway's error type for each way a signature fails. */
const SIGV4_ERROR_TYPES: Record<SigV4FailureReason, string> = {
  missing: 'MissingAuthenticationTokenException',
  unsupported: 'IncompleteSignatureException',
  malformed: 'IncompleteSignatureException',
  scope: 'InvalidSignatureException',
  skew: 'InvalidSignatureException',
  'signed-headers': 'IncompleteSignatureException',
  'invalid-token': 'UnrecognizedClientException',
  payload: 'InvalidSignatureException',
  signature: 'InvalidSignatureException'
};

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

  return async request => {
    const method = request.method.toUpperCase();
    const path = request.url.split('?')[0];
    if (
      METHOD_OVERRIDE_HEADERS.some(name => request.headers[name] !== undefined)
    ) {
      return refuse(
        400,
        'BadRequestException',
        'INVALID_PARAMETER_VALUE',
        'Method-override headers are not accepted by the gateway.'
      );
    }
    if (!isMatchablePath(path)) {
      return refuse(
        400,
        'BadRequestException',
        'INVALID_PARAMETER_VALUE',
        'The path has encoded separators, dot segments or unreadable escapes; the gateway refuses it.'
      );
    }
    const operation = matchOperation(method, path);
    if (operation === undefined) {
      return refuse(
        404,
        'NotFoundException',
        'ENDPOINT_NOT_FOUND',
        `${method} ${path} is not an MLflow operation this gateway serves.`
      );
    }
    const arn = methodArn(prefix, method, path);

    switch (authorizationOf(operation, path)) {
      case 'none':
        return { allowed: true, operation };

      case 'iam': {
        const verified = await verifySigV4(request, {
          region: config.api.region,
          lookup: accessKeyId => identities.get(accessKeyId),
          now: config.now
        });
        if (!verified.ok) {
          return refuse(
            403,
            SIGV4_ERROR_TYPES[verified.reason],
            'PERMISSION_DENIED',
            verified.message
          );
        }
        const identity = verified.credentials;
        const policy = policies.get(identity.accessKeyId) as PolicyDocument;
        if (evaluatePolicy(policy, arn) !== 'allow') {
          return refuse(
            403,
            'AccessDeniedException',
            'PERMISSION_DENIED',
            `User: ${identity.principal} is not authorized to perform: ` +
              `execute-api:Invoke on resource: ${arn}`
          );
        }
        return { allowed: true, operation, principal: identity.principal };
      }

      case 'token': {
        let result: AuthorizerResult;
        try {
          result = await config.authorize(
            authorizerEvent(request, method, path, arn)
          );
        } catch (error) {
          if ((error as Error).message === 'Unauthorized') {
            return refuse(
              401,
              'UnauthorizedException',
              'UNAUTHENTICATED',
              'Unauthorized'
            );
          }
          return refuse(
            500,
            'AuthorizerConfigurationException',
            'INTERNAL_ERROR',
            'The authorizer failed.'
          );
        }
        if (evaluatePolicy(result.policyDocument, arn) !== 'allow') {
          return refuse(
            403,
            'AccessDeniedException',
            'PERMISSION_DENIED',
            `User is not authorized to access this resource: ${method} ${path}`
          );
        }
        return {
          allowed: true,
          operation,
          principal: result.context.principal
        };
      }
    }
  };
}

/** The REQUEST authorizer event API Gateway would send for this request. */
function authorizerEvent(
  request: GatewayRequest,
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
    resource: path,
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
