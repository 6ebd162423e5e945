/**
 * The MLflow gateway: an API Gateway REST API whose routes and
 * authorization come from the permission model (`gatewayRoutes()`), with a
 * VPC link to MLflow's internal load balancer; the Lambda authorizer for
 * Cognito tokens; the gateway's own `/auth/` pages and `/auth/permissions`.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';

import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import {
  CORS_PREFLIGHT,
  GATEWAY_HEADERS,
  GATEWAY_HEADER_SOURCES,
  type GatewayHeader,
  type HeaderSource,
  INTEGRATION_TIMEOUT_SECONDS,
  REFUSALS,
  type RefusalKind,
  type RefusalType,
  gatewayResponseTemplate,
  resourcePolicyPatterns
} from '../src/apigateway';
import {
  PERMISSIONS_PATH,
  type PagesConfig,
  type SignInMethod,
  type SsoProvider
} from '../src/contract';
import {
  GatewayRoute,
  PAGES_ROUTE,
  gatewayRoutes
} from '../src/gateway-routes';
import { GATEWAY_PAGES } from '../src/pages';
import { PAGES_BUILD_DIR } from '../src/pages/build';
import { PAGES_FOLDER } from '../src/pages/handler';
import type { PermissionsConfig } from '../src/permissions/roles';
import type { GatewayProof } from './gateway-proof';
import { nodeFunction } from './node-function';

/** The API's one stage: the gateway's URL ends in `/prod/`. */
export const STAGE = 'prod';

/** How long API Gateway keeps an authorizer's policy for a token (or cookie). */
export const AUTHORIZER_CACHE_TTL = Duration.minutes(5);

/**
 * The rest of the authorizers' cache key: the request's method and path.
 * The policy covers every path either way, but the context's words of a
 * refusal (`$context.authorizer.refusal`, shown by `ACCESS_DENIED`) are the
 * request's own, so a cached answer must be one for the same request.
 */
export const REFUSAL_CACHE_KEY = [
  apigw.IdentitySource.context('httpMethod'),
  apigw.IdentitySource.context('path')
];

const SOURCE_DIR = path.join(__dirname, '..', 'src');

/**
 * What the access log keeps of each request: who (the authorizer's
 * principal or the signer's ARN), what, and how it ended. Never headers,
 * bodies, query strings or tokens.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  path: '$context.path',
  resource: '$context.resourcePath',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  principal: '$context.authorizer.principal',
  groups: '$context.authorizer.groups',
  iamPrincipal: '$context.identity.userArn',
  error: '$context.error.message',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integration.error'
};

/**
 * What MLflow gets instead of the caller's credentials: empty values (an
 * integration can override a header, not remove it).
 */
export const STRIPPED_HEADERS: Readonly<Record<string, string>> = {
  'integration.request.header.Authorization': "''",
  'integration.request.header.Cookie': "''"
};

export interface MlflowGatewayProps {
  /** MLflow's internal load balancer, reached through a VPC link. */
  readonly loadBalancer: elbv2.INetworkLoadBalancer;
  /** The user pool whose access tokens the authorizer verifies. */
  readonly userPool: cognito.UserPool;
  /** The app client the tokens are issued to. */
  readonly client: cognito.IUserPoolClient;
  /** Names the REST API `<deploymentName>-mlflow`. */
  readonly deploymentName: string;
  /** The stage's steady requests per second. */
  readonly throttlingRateLimit: number;
  /** The stage's burst of requests. */
  readonly throttlingBurstLimit: number;
  /** How long the access log and the functions' logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** The proof the integrations send MLflow, from a stage variable. */
  readonly proof: GatewayProof;
  /**
   * Who may call the IAM routes (`/api/`): `aws:PrincipalArn` patterns of
   * the deployment's roles. The API's resource policy refuses those routes
   * to every other principal, whatever its own IAM policy allows.
   */
  readonly iamPrincipalArns: readonly string[];
  /**
   * The operator-defined roles the authorizer decides by.
   *
   * @default - the built-in roles only
   */
  readonly permissions?: PermissionsConfig;
  /**
   * Browser origins (the Studio domain's) that may call the gateway (CORS)
   * and frame its pages.
   *
   * @default - none: no CORS
   */
  readonly browserOrigins?: readonly string[];
  /**
   * The sign-in methods the pages and the extension offer.
   *
   * @default ['password']
   */
  readonly signInMethods?: readonly SignInMethod[];
  /**
   * With `sso` among the methods: Cognito's managed login (its base URL)
   * and the providers it federates to, one button each.
   *
   * @default - no SSO
   */
  readonly sso?: {
    readonly domain: string;
    readonly providers: readonly SsoProvider[];
  };
}

export class MlflowGateway extends Construct {
  readonly api: apigw.RestApi;
  /** `https://<api>.execute-api.<region>.amazonaws.com`: where the MLflow UI runs. */
  readonly origin: string;
  /** The authorizer's function (also `/auth/permissions`'s code). */
  readonly authorizerFunction: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: MlflowGatewayProps) {
    super(scope, id);
    const { loadBalancer, userPool, client } = props;
    const origins = props.browserOrigins ?? [];
    const retention = props.logRetention;

    const routes = gatewayRoutes();
    // Who did what outlives the stack: auditors need it after a teardown.
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention,
      removalPolicy: RemovalPolicy.RETAIN
    });
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${props.deploymentName}-mlflow`,
      description: 'MLflow, every request decided by role',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // Artifacts are any bytes: pass every body through untouched.
      binaryMediaTypes: ['*/*'],
      policy: resourcePolicy(
        routes,
        origins.length > 0,
        props.iamPrincipalArns
      ),
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: STAGE,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify(ACCESS_LOG_FIELDS)
        ),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        variables: props.proof.stageVariables()
      },
      defaultCorsPreflightOptions:
        origins.length > 0
          ? {
              allowOrigins: [...origins],
              allowMethods: [...CORS_PREFLIGHT.allowMethods],
              allowHeaders: [...CORS_PREFLIGHT.allowHeaders],
              maxAge: Duration.seconds(CORS_PREFLIGHT.maxAgeSeconds),
              statusCode: CORS_PREFLIGHT.statusCode
            }
          : undefined
    });
    this.origin = `https://${this.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;

    // The authorizer and `/auth/permissions`: one bundle, two entry points.
    const tokenEnvironment = {
      COGNITO_ISSUER: userPool.userPoolProviderUrl,
      COGNITO_CLIENT_IDS: client.userPoolClientId,
      TOKEN_USE: 'access',
      PERMISSIONS: JSON.stringify(props.permissions ?? {}),
      ALLOWED_ORIGINS: origins.join(',')
    };
    const authorizerEntry = path.join(SOURCE_DIR, 'authorizer', 'handler.ts');
    this.authorizerFunction = nodeFunction(this, 'Authorizer', {
      entry: authorizerEntry,
      handler: 'handler',
      description:
        'Verifies Cognito tokens; returns the policy of the user’s roles',
      environment: tokenEnvironment,
      retention
    });
    // The cookie-keyed authorizer must decide by the cookie alone (see
    // `cookieHandler`): a function of its own, from the same bundle.
    const cookieAuthorizerFunction = nodeFunction(
      this,
      'CookieAuthorizerFunction',
      {
        entry: authorizerEntry,
        handler: 'cookieHandler',
        description:
          'Verifies the Cognito token of the MLflow UI’s cookie; returns the policy of the cookie reads',
        environment: tokenEnvironment,
        retention
      }
    );
    const permissionsFunction = nodeFunction(this, 'Permissions', {
      entry: authorizerEntry,
      handler: 'permissions',
      description: 'GET /auth/permissions: what the caller’s roles allow',
      environment: tokenEnvironment,
      retention
    });
    const pagesConfig: PagesConfig = {
      allowedOrigins: [...origins],
      cognito: {
        region: Stack.of(this).region,
        userPoolId: userPool.userPoolId,
        userPoolClientId: client.userPoolClientId,
        endpoint: '',
        authFlow: 'USER_SRP_AUTH',
        signIn: [...(props.signInMethods ?? ['password'])],
        ...(props.sso !== undefined
          ? {
              sso: {
                domain: props.sso.domain,
                providers: props.sso.providers.map(provider => ({
                  ...provider
                }))
              }
            }
          : {})
      }
    };
    const pagesFunction = nodeFunction(this, 'Pages', {
      entry: path.join(SOURCE_DIR, 'pages', 'handler.ts'),
      handler: 'handler',
      description: 'The gateway’s sign-in and token hand-off pages (/auth/)',
      environment: {
        PAGES_CONFIG: Stack.of(this).toJsonString(pagesConfig)
      },
      retention,
      afterBundling: outputDir => {
        assertPagesBuilt();
        return [
          `cp -R "${PAGES_BUILD_DIR}" "${path.join(outputDir, PAGES_FOLDER)}"`
        ];
      }
    });

    const authorizer = (
      id: string,
      source: string,
      handler: lambda.IFunction
    ) =>
      new apigw.RequestAuthorizer(this, id, {
        handler,
        identitySources: [
          apigw.IdentitySource.header(source),
          ...REFUSAL_CACHE_KEY
        ],
        resultsCacheTtl: AUTHORIZER_CACHE_TTL
      });
    // A cached policy is keyed by the identity source; the cookie's
    // authorizer serves only the cookie reads (`gatewayRoutes` makes sure).
    const headerAuthorizer = authorizer(
      'TokenAuthorizer',
      'Authorization',
      this.authorizerFunction
    );
    const cookieAuthorizer = authorizer(
      'CookieAuthorizer',
      'Cookie',
      cookieAuthorizerFunction
    );

    const vpcLink = new apigw.VpcLink(this, 'VpcLink', {
      targets: [loadBalancer],
      description: 'API Gateway to MLflow’s internal load balancer'
    });
    for (const route of routes) {
      const resource = this.api.root.resourceForPath(route.path);
      const parameters = pathParameters(route.path);
      const methodParameters = Object.fromEntries(
        parameters.map(name => [`method.request.path.${name}`, true])
      );
      let integration: apigw.Integration;
      if (route.path === PAGES_ROUTE) {
        integration = new apigw.LambdaIntegration(pagesFunction);
      } else if (route.path === PERMISSIONS_PATH) {
        integration = new apigw.LambdaIntegration(permissionsFunction);
      } else {
        integration = new apigw.Integration({
          type: apigw.IntegrationType.HTTP_PROXY,
          integrationHttpMethod: route.method,
          uri: `http://${loadBalancer.loadBalancerDnsName}${route.path.replace(/\{([A-Za-z0-9_]+)\+\}/g, '{$1}')}`,
          options: {
            connectionType: apigw.ConnectionType.VPC_LINK,
            vpcLink,
            timeout: Duration.seconds(INTEGRATION_TIMEOUT_SECONDS),
            requestParameters: {
              ...Object.fromEntries(
                parameters.map(name => [
                  `integration.request.path.${name}`,
                  `method.request.path.${name}`
                ])
              ),
              // The gateway states how and by whom the request was
              // authorized, and proves it came this way; a mapping
              // overrides a client's own value of each header.
              ...gatewayHeaderMappings(route),
              // Credentials stay at the gateway, as the local gateway
              // drops them: MLflow needs to know who, not how.
              ...STRIPPED_HEADERS
            }
          }
        });
      }
      resource.addMethod(route.method, integration, {
        requestParameters: methodParameters,
        ...methodAuthorization(
          route,
          route.cookie ? cookieAuthorizer : headerAuthorizer
        )
      });
    }
    // With every body binary, a preflight's empty body must be read as
    // text for the mock integration's template to run.
    for (const method of this.api.methods) {
      if (method.httpMethod === 'OPTIONS') {
        (method.node.defaultChild as apigw.CfnMethod).addPropertyOverride(
          'Integration.ContentHandling',
          'CONVERT_TO_TEXT'
        );
      }
    }

    // API Gateway's own answers (refusals, throttling, MLflow unreachable)
    // in MLflow's error format, as the local gateway gives them.
    for (const [type, refusal] of Object.entries(REFUSALS) as [
      RefusalType,
      RefusalKind
    ][]) {
      const headers: Record<string, string> = {};
      if (refusal.errorType !== undefined) {
        headers['x-amzn-ErrorType'] = `'${refusal.errorType}'`;
      }
      if (origins.length > 0) {
        // Errors carry no data: any caller's origin may read why.
        headers['Access-Control-Allow-Origin'] = 'method.request.header.Origin';
        headers['Vary'] = "'Origin'";
      }
      this.api.addGatewayResponse(`Error${type}`, {
        type: apigw.ResponseType.of(type),
        statusCode: refusal.status?.toString(),
        templates: {
          'application/json': gatewayResponseTemplate(type)
        },
        responseHeaders: Object.keys(headers).length > 0 ? headers : undefined
      });
    }

    this.acknowledgeFindings(routes);
  }

  /** A TypeScript Lambda function bundled by esbuild, with its log group. */
  private acknowledgeFindings(routes: readonly GatewayRoute[]): void {
    const public_ = routes
      .filter(route => route.authorization === 'none')
      .map(route => `${route.method} ${route.path}`)
      .join(', ');
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'MLflow validates every request body itself and answers in its own error format; the gateway decides who may call what.'
      },
      {
        id: 'AwsSolutions-APIG4',
        reason: `Public on purpose, carrying no data: ${public_}, and every CORS preflight (OPTIONS). Every other method is IAM (which the resource policy also refuses to principals outside the deployment's roles) or the Cognito authorizer.`
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'The Lambda authorizer verifies the Cognito access token (issuer, client, expiry, signature) and turns the user’s groups into the role’s policy, which a user-pool authorizer cannot.'
      }
    );
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The AWS-managed policy API Gateway needs to write the access and execution logs.'
      });
    }
  }
}

/**
 * The API's resource policy: anyone may reach the methods that authorize
 * by themselves (public, Cognito, preflights), which API Gateway would
 * otherwise refuse; the IAM methods are never allowed here (an allow would
 * stand in for the caller's own IAM policy) and are denied to principals
 * outside the deployment. A change of it changes the deployment's logical
 * id (CDK hashes the REST API's properties), so the stage gets it.
 */
function resourcePolicy(
  routes: readonly GatewayRoute[],
  preflight: boolean,
  iamPrincipalArns: readonly string[]
): iam.PolicyDocument {
  const patterns = resourcePolicyPatterns(routes, { stage: STAGE, preflight });
  const invoke = {
    principals: [new iam.StarPrincipal()],
    actions: ['execute-api:Invoke']
  };
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({ ...invoke, resources: [...patterns.open] }),
      new iam.PolicyStatement({
        ...invoke,
        effect: iam.Effect.DENY,
        resources: [...patterns.iam],
        conditions: {
          // A list token (the cross-account roles come later) stays whole.
          ArnNotLike: { 'aws:PrincipalArn': iamPrincipalArns }
        }
      })
    ]
  });
}

/** The integration request's mapping of every gateway header, for a route. */
function gatewayHeaderMappings(route: GatewayRoute): Record<string, string> {
  return Object.fromEntries(
    (
      Object.entries(GATEWAY_HEADER_SOURCES[route.authorization]) as [
        GatewayHeader,
        HeaderSource
      ][]
    ).map(([header, source]) => [
      `integration.request.header.${GATEWAY_HEADERS[header]}`,
      source.expression
    ])
  );
}

function pathParameters(resourcePath: string): string[] {
  return [...resourcePath.matchAll(/\{([A-Za-z0-9_]+)\+?\}/g)].map(m => m[1]);
}

function methodAuthorization(
  route: GatewayRoute,
  authorizer: apigw.IAuthorizer
): apigw.MethodOptions {
  switch (route.authorization) {
    case 'iam':
      return { authorizationType: apigw.AuthorizationType.IAM };
    case 'token':
      return { authorizationType: apigw.AuthorizationType.CUSTOM, authorizer };
    case 'none':
      return { authorizationType: apigw.AuthorizationType.NONE };
  }
}

/** Synthesis stops with a clear message when the pages were never built. */
function assertPagesBuilt(): void {
  const missing = Object.values(GATEWAY_PAGES)
    .map(page => page.file)
    .filter(file => !fs.existsSync(path.join(PAGES_BUILD_DIR, file)));
  if (missing.length > 0) {
    throw new Error(
      `The gateway's pages are not built (${missing.join(', ')} missing in ${PAGES_BUILD_DIR}). Run ./scripts/setup.sh or npm run build:pages in the repository root first.`
    );
  }
}
