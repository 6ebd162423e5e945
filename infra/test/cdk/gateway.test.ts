import * as fs from 'node:fs';
import * as path from 'node:path';

import { Match, Template } from 'aws-cdk-lib/assertions';

import {
  ACCESS_LOG_FIELDS,
  AUTHORIZER_CACHE_TTL,
  STAGE
} from '../../cdk/gateway';
import {
  ACCESS_DENIED_MESSAGE,
  HTTP_METHODS,
  INTEGRATION_TIMEOUT_SECONDS,
  MAX_RESOURCE_POLICY_CHARACTERS,
  REFUSALS,
  RefusalKind,
  arnPatternMatches,
  methodMatcher,
  preflightHeaders
} from '../../src/apigateway';
import { SDK_AUTH_PROVIDER, type PagesConfig } from '../../src/contract';
import {
  GatewayRoute,
  gatewayRoutes,
  samplePath
} from '../../src/gateway-routes';
import { GATEWAY_PAGES } from '../../src/pages';
import { buildStack, templateOf } from '../support/cdk';
import { DEPLOYED_IDS, deployed } from '../support/intrinsics';
import { PUBLIC_ROUTES, authorizationMismatches } from '../support/routes';

const STUDIO = 'https://d-abc123.studio.us-east-1.sagemaker.aws';
const EXAMPLE_FILE = path.join(__dirname, '..', '..', 'deploy.example.json');

type Resources = Record<string, { Properties: Record<string, any> }>;

/** A route as read from the template: preflights (`OPTIONS`) included. */
type SynthesizedRoute = Omit<GatewayRoute, 'method'> & { method: string };

/**
 * The synthesized REST API read back as routes: each method's full
 * resource path, HTTP method and how it is authorized (the cookie
 * authorizer told apart by its identity source).
 */
function synthesizedRoutes(template: Template): SynthesizedRoute[] {
  const apis = template.findResources('AWS::ApiGateway::RestApi');
  const [apiId] = Object.keys(apis);
  const resources = template.findResources(
    'AWS::ApiGateway::Resource'
  ) as Resources;
  const pathOf = (parent: unknown): string => {
    const ref = parent as { Ref?: string };
    if (ref.Ref === undefined) {
      return ''; // the API's root resource (Fn::GetAtt RootResourceId)
    }
    const resource = resources[ref.Ref].Properties;
    return `${pathOf(resource.ParentId)}/${resource.PathPart}`;
  };
  const authorizers = template.findResources(
    'AWS::ApiGateway::Authorizer'
  ) as Resources;
  const methods = template.findResources(
    'AWS::ApiGateway::Method'
  ) as Resources;
  return Object.values(methods)
    .map(({ Properties: method }) => {
      expect(method.RestApiId).toEqual({ Ref: apiId });
      const authorizer = method.AuthorizerId
        ? authorizers[method.AuthorizerId.Ref].Properties
        : undefined;
      return {
        path: pathOf(method.ResourceId) || '/',
        method: method.HttpMethod,
        authorization: (
          { AWS_IAM: 'iam', CUSTOM: 'token', NONE: 'none' } as const
        )[method.AuthorizationType as 'AWS_IAM' | 'CUSTOM' | 'NONE'],
        cookie:
          authorizer?.IdentitySource.split(',')[0] ===
          'method.request.header.Cookie'
      };
    })
    .sort(
      (a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method)
    );
}

describe('the gateway (API Gateway REST API)', () => {
  const { stack } = buildStack({ studio: { origins: [STUDIO] } });
  const template = Template.fromStack(stack);
  const routes = synthesizedRoutes(template);
  const withoutPreflight = routes.filter(
    route => route.method !== 'OPTIONS'
  ) as GatewayRoute[];

  it('has exactly the routes generated from the permission model, each authorized the same way', () => {
    expect(withoutPreflight).toEqual(gatewayRoutes());
  });

  it('keeps the access log, the record of who did what, when the stack is deleted', () => {
    const accessLogs = Object.entries(
      template.findResources('AWS::Logs::LogGroup')
    ).filter(([id]) => id.includes('AccessLogs'));
    expect(accessLogs).toHaveLength(1);
    expect(accessLogs[0][1]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain'
    });
  });

  it('authorizes every MLflow operation as the local gateway does', () => {
    expect(authorizationMismatches(withoutPreflight)).toEqual([]);
  });

  it('authorizes every method except the data-free public routes and CORS preflights', () => {
    const open = routes
      .filter(route => route.authorization === 'none')
      .filter(route => route.method !== 'OPTIONS')
      .map(route => `${route.method} ${route.path}`);
    expect(open.sort()).toEqual([...PUBLIC_ROUTES].sort());
    // Preflights are mock integrations: nothing reaches MLflow or a Lambda.
    const methods = Object.values(
      template.findResources('AWS::ApiGateway::Method')
    ) as Resources[string][];
    const preflights = methods.filter(
      m => m.Properties.HttpMethod === 'OPTIONS'
    );
    expect(preflights.length).toBeGreaterThan(0);
    for (const { Properties: preflight } of preflights) {
      expect(preflight.Integration.Type).toBe('MOCK');
      expect(preflight.Integration.ContentHandling).toBe('CONVERT_TO_TEXT');
      expect(JSON.stringify(preflight.Integration)).toContain(STUDIO);
    }
  });

  it('answers CORS preflights with the headers the local gateway sends', () => {
    const preflights = Object.values(
      template.findResources('AWS::ApiGateway::Method')
    ).filter(m => m.Properties.HttpMethod === 'OPTIONS');
    const expected = Object.fromEntries(
      Object.entries(preflightHeaders()).map(([name, value]) => [
        name,
        `'${value}'`
      ])
    );
    for (const { Properties: preflight } of preflights) {
      const [answer] = preflight.Integration.IntegrationResponses;
      expect(answer.StatusCode).toBe('204');
      const headers = Object.fromEntries(
        Object.entries(answer.ResponseParameters as Record<string, string>)
          .map(([name, value]) => [
            name.replace('method.response.header.', '').toLowerCase(),
            value
          ])
          .filter(([name]) => name in expected)
      );
      expect(headers).toEqual(expected);
    }
  });

  it('caches the authorizer’s answer per request, keyed by the header or, for the cookie reads only, the cookie', () => {
    const authorizers = Object.values(
      template.findResources('AWS::ApiGateway::Authorizer')
    ).map(a => a.Properties);
    expect(
      authorizers
        .map(a => [a.Type, a.IdentitySource, a.AuthorizerResultTtlInSeconds])
        .sort()
    ).toEqual([
      [
        'REQUEST',
        'method.request.header.Authorization,context.httpMethod,context.path',
        AUTHORIZER_CACHE_TTL.toSeconds()
      ],
      [
        'REQUEST',
        'method.request.header.Cookie,context.httpMethod,context.path',
        AUTHORIZER_CACHE_TTL.toSeconds()
      ]
    ]);
    expect(AUTHORIZER_CACHE_TTL.toSeconds()).toBeGreaterThan(0);
  });

  it('decides the cookie-keyed authorizer’s policy by the cookie’s token, the one it is cached by', () => {
    const authorizers = Object.values(
      template.findResources('AWS::ApiGateway::Authorizer')
    ).map(a => a.Properties);
    const functions = template.findResources('AWS::Lambda::Function');
    const handlerOf = (authorizer: Record<string, any>) => {
      const uri = JSON.stringify(authorizer.AuthorizerUri);
      const [id] = Object.keys(functions).filter(fn => uri.includes(`"${fn}"`));
      return functions[id].Properties.Handler;
    };
    expect(
      Object.fromEntries(authorizers.map(a => [a.IdentitySource, handlerOf(a)]))
    ).toEqual({
      'method.request.header.Authorization,context.httpMethod,context.path':
        'index.handler',
      'method.request.header.Cookie,context.httpMethod,context.path':
        'index.cookieHandler'
    });
  });

  it('runs the authorizer on the current Node.js runtime, configured for the user pool', () => {
    const functions = Object.values(
      template.findResources('AWS::Lambda::Function')
    ).map(f => f.Properties);
    const authorizer = functions.find(
      f =>
        f.Handler === 'index.handler' && f.Environment.Variables.COGNITO_ISSUER
    );
    expect(authorizer).toBeDefined();
    expect(authorizer?.Runtime).toBe('nodejs24.x');
    const variables = deployed(
      template,
      authorizer?.Environment.Variables
    ) as Record<string, string>;
    // The user pool's issuer (CloudFormation's ProviderURL attribute).
    expect(variables.COGNITO_ISSUER).toMatch(/^IdentityUsers\w+\.ProviderURL$/);
    expect(variables.TOKEN_USE).toBe('access');
    expect(variables.ALLOWED_ORIGINS).toBe(STUDIO);
    expect(JSON.parse(variables.PERMISSIONS)).toEqual({});
    // Every function's log group keeps logs as configured (the audit
    // trail has a retention of its own: audit-trail.test.ts).
    for (const [, group] of Object.entries(
      template.findResources('AWS::Logs::LogGroup')
    ).filter(([id]) => !id.startsWith('AuditTrail'))) {
      expect(group.Properties.RetentionInDays).toBe(90);
    }
  });

  it('keeps no secret in any function’s environment', () => {
    for (const fn of Object.values(
      template.findResources('AWS::Lambda::Function')
    )) {
      const variables = fn.Properties.Environment.Variables;
      for (const name of Object.keys(variables)) {
        expect(name).not.toMatch(/PASSWORD|SECRET|KEY|TOKEN$/);
      }
      expect(JSON.stringify(variables)).not.toMatch(
        /secretsmanager|SecretString|Secret[A-Z0-9]/
      );
    }
  });

  it('signs GET /iam/identity with IAM and forwards it to MLflow, which says who the signer is', () => {
    expect(
      withoutPreflight.filter(route => route.path.startsWith('/iam'))
    ).toEqual([
      {
        path: '/iam/identity',
        method: 'GET',
        authorization: 'iam',
        cookie: false
      }
    ]);
    const identity = Object.values(
      template.findResources('AWS::ApiGateway::Method')
    )
      .map(m => m.Properties)
      .find(
        m =>
          m.HttpMethod === 'GET' &&
          JSON.stringify(m.Integration?.Uri ?? '').includes('/iam/identity')
      );
    expect(identity?.Integration).toMatchObject({
      Type: 'HTTP_PROXY',
      ConnectionType: 'VPC_LINK',
      RequestParameters: expect.objectContaining({
        'integration.request.header.X-Gateway-Authorization': "'iam'",
        'integration.request.header.X-Gateway-Principal':
          'context.identity.userArn'
      })
    });
  });

  it('forwards to MLflow through the VPC link, stating who calls', () => {
    const methods = Object.values(
      template.findResources('AWS::ApiGateway::Method')
    ).map(m => m.Properties);
    const proxied = methods.filter(m => m.Integration.Type === 'HTTP_PROXY');
    expect(proxied.length).toBeGreaterThan(30);
    for (const method of proxied) {
      expect(method.Integration.ConnectionType).toBe('VPC_LINK');
      expect(method.Integration.TimeoutInMillis).toBe(
        INTEGRATION_TIMEOUT_SECONDS * 1000
      );
      // The caller's credentials never reach MLflow.
      expect(method.Integration.RequestParameters).toMatchObject({
        'integration.request.header.Authorization': "''",
        'integration.request.header.Cookie': "''"
      });
    }
  });

  it('tells MLflow on every forwarded request how it was authorized, by whom, with which roles, its id and the proof, overriding any client value', () => {
    const proxied = Object.values(
      template.findResources('AWS::ApiGateway::Method')
    )
      .map(m => m.Properties)
      .filter(m => m.Integration.Type === 'HTTP_PROXY');
    const expected: Record<string, Record<string, string>> = {
      AWS_IAM: {
        'X-Gateway-Authorization': "'iam'",
        'X-Gateway-Principal': 'context.identity.userArn',
        'X-Gateway-Roles': "''"
      },
      CUSTOM: {
        'X-Gateway-Authorization': "'token'",
        'X-Gateway-Principal': 'context.authorizer.principal',
        'X-Gateway-Roles': 'context.authorizer.groups'
      },
      NONE: {
        'X-Gateway-Authorization': "'none'",
        'X-Gateway-Principal': "'anonymous'",
        'X-Gateway-Roles': "''"
      }
    };
    const seen = new Set<string>();
    for (const method of proxied) {
      const headers = Object.fromEntries(
        Object.entries(
          method.Integration.RequestParameters as Record<string, string>
        )
          .filter(([name]) =>
            name
              .toLowerCase()
              .startsWith('integration.request.header.x-gateway-')
          )
          .map(([name, value]) => [
            name.slice('integration.request.header.'.length),
            value
          ])
      );
      expect(headers).toEqual({
        ...expected[method.AuthorizationType as string],
        'X-Gateway-Request-Id': 'context.requestId',
        'X-Gateway-Proof': 'stageVariables.gatewayProof'
      });
      seen.add(method.AuthorizationType);
    }
    expect([...seen].sort()).toEqual(['AWS_IAM', 'CUSTOM', 'NONE']);
  });

  it('forwards greedy paths whole', () => {
    const proxied = Object.values(
      template.findResources('AWS::ApiGateway::Method')
    )
      .map(m => m.Properties)
      .filter(m => m.Integration.Type === 'HTTP_PROXY');
    const greedy = proxied.find(m =>
      JSON.stringify(m.Integration.Uri).includes('/api/2.0/{proxy}')
    );
    expect(greedy?.Integration.RequestParameters).toMatchObject({
      'integration.request.path.proxy': 'method.request.path.proxy'
    });
  });

  it('logs who made each request, never headers, bodies or tokens; throttles', () => {
    const stage = Object.values(
      template.findResources('AWS::ApiGateway::Stage')
    )[0].Properties;
    expect(stage.StageName).toBe(STAGE);
    const format = JSON.parse(stage.AccessLogSetting.Format);
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    expect(format.principal).toBe('$context.authorizer.principal');
    expect(format.iamPrincipal).toBe('$context.identity.userArn');
    expect(stage.AccessLogSetting.Format).not.toMatch(
      /\$input|requestOverride|claims|header|querystring|body/i
    );
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({
        DataTraceEnabled: false,
        LoggingLevel: 'ERROR',
        ThrottlingRateLimit: 100,
        ThrottlingBurstLimit: 200,
        HttpMethod: '*',
        ResourcePath: '/*'
      })
    ]);
  });

  it('answers its own refusals exactly as the refusal table says, as the local gateway does', () => {
    const responses = Object.values(
      template.findResources('AWS::ApiGateway::GatewayResponse')
    ).map(r => r.Properties);
    // The template is JSON once API Gateway fills in its quoted message.
    const OWN = '(API Gateway’s message)';
    const deployed = responses.map(r => ({
      type: r.ResponseType,
      status: r.StatusCode === undefined ? undefined : Number(r.StatusCode),
      errorType:
        r.ResponseParameters?.['gatewayresponse.header.x-amzn-ErrorType'],
      body: JSON.parse(
        r.ResponseTemplates['application/json']
          .replace('$context.error.messageString', JSON.stringify(OWN))
          .replace(ACCESS_DENIED_MESSAGE.template, JSON.stringify(OWN))
      )
    }));
    const table = (Object.entries(REFUSALS) as [string, RefusalKind][]).map(
      ([type, kind]) => ({
        type,
        status: kind.status,
        errorType:
          kind.errorType === undefined ? undefined : `'${kind.errorType}'`,
        body: {
          error_code: kind.errorCode,
          message: kind.message ?? OWN,
          ...(kind.keepsGatewayMessage ? { gateway_message: OWN } : {})
        }
      })
    );
    const byType = (a: { type: string }, b: { type: string }) =>
      a.type.localeCompare(b.type);
    expect(deployed.sort(byType)).toEqual(table.sort(byType));

    const tooLarge = responses.find(
      r => r.ResponseType === 'REQUEST_TOO_LARGE'
    );
    expect(tooLarge?.StatusCode).toBe('413');
    expect(tooLarge?.ResponseParameters).toMatchObject({
      'gatewayresponse.header.x-amzn-ErrorType': `'${REFUSALS.REQUEST_TOO_LARGE.errorType}'`,
      'gatewayresponse.header.Access-Control-Allow-Origin':
        'method.request.header.Origin'
    });
  });

  it('answers a bad signature with the fix for MLflow’s stock signer, and API Gateway’s words', () => {
    const response = Object.values(
      template.findResources('AWS::ApiGateway::GatewayResponse')
    )
      .map(r => r.Properties)
      .find(r => r.ResponseType === 'INVALID_SIGNATURE');
    const mismatch =
      'The request signature we calculated does not match the signature you provided.';
    const body = JSON.parse(
      (response?.ResponseTemplates['application/json'] as string).replace(
        '$context.error.messageString',
        JSON.stringify(mismatch)
      )
    );
    expect(response?.StatusCode).toBe('403');
    expect(body.error_code).toBe('PERMISSION_DENIED');
    expect(body.message).toContain(`MLFLOW_TRACKING_AUTH=${SDK_AUTH_PROVIDER}`);
    expect(body.message).toContain('unset MLFLOW_TRACKING_AWS_SIGV4');
    expect(body.gateway_message).toBe(mismatch);
  });

  it('refuses a token caller with the authorizer’s words of the refusal, an IAM caller with API Gateway’s', () => {
    const denied = Object.values(
      template.findResources('AWS::ApiGateway::GatewayResponse')
    )
      .map(r => r.Properties)
      .find(r => r.ResponseType === 'ACCESS_DENIED');
    const body = denied?.ResponseTemplates['application/json'] as string;
    // Gateway response templates only substitute variables (no VTL).
    const filled = (refusal: string, message: string) =>
      JSON.parse(
        body
          .replace('$context.authorizer.refusal', refusal)
          .replace('$context.error.message', message)
      );
    expect(
      filled(
        'You may not rename an experiment (experiments.update). ',
        'User is not authorized to access this resource'
      ).message
    ).toMatch(/^You may not rename an experiment/);
    expect(
      filled('', 'User: arn:aws:sts::1:assumed-role/r/s is not authorized')
        .message
    ).toBe('User: arn:aws:sts::1:assumed-role/r/s is not authorized');
  });

  it('serves the /auth/ pages with the deployment’s public configuration', () => {
    const functions = Object.values(
      template.findResources('AWS::Lambda::Function')
    ).map(f => f.Properties);
    const pages = functions.find(f => f.Environment.Variables.PAGES_CONFIG);
    const variables = deployed(
      template,
      pages?.Environment.Variables
    ) as Record<string, string>;
    const config = JSON.parse(variables.PAGES_CONFIG) as PagesConfig;
    expect(config).toEqual({
      allowedOrigins: [STUDIO],
      cognito: {
        region: 'us-east-1',
        userPoolId: DEPLOYED_IDS.userPool,
        userPoolClientId: DEPLOYED_IDS.userPoolClient,
        endpoint: '',
        authFlow: 'USER_SRP_AUTH',
        signIn: ['password']
      }
    });
  });

  it('has no CORS preflights when no browser origin is configured', () => {
    const bare = templateOf();
    bare.resourcePropertiesCountIs(
      'AWS::ApiGateway::Method',
      { HttpMethod: 'OPTIONS' },
      0
    );
    bare.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: {
        'gatewayresponse.header.Access-Control-Allow-Origin': Match.absent()
      }
    });
    bare.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseParameters: Match.absent()
    });
  });
});

interface ResourcePolicyStatement {
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** The REST API's resource policy, as deployed. */
function resourcePolicyOf(template: Template): {
  Version: string;
  Statement: ResourcePolicyStatement[];
} {
  const [api] = Object.values(
    template.findResources('AWS::ApiGateway::RestApi')
  );
  expect(api.Properties.Policy).toBeDefined();
  return deployed(template, api.Properties.Policy) as ReturnType<
    typeof resourcePolicyOf
  >;
}

const listOf = (value: string | string[]): string[] => [value].flat();

/** A method ARN's resource as a resource policy names it (API Gateway expands `execute-api:/`). */
const methodResource = (method: string, requestPath: string): string =>
  `execute-api:/${STAGE}/${method}${requestPath}`;

/**
 * Where the resource policy would let the wrong callers through or refuse
 * the right ones: for every method of the synthesized API (preflights
 * included) and every HTTP method it serves, a sample request, plus IAM
 * requests whose paths embed every other route's path (`*` matches `/`).
 * A request to an IAM method must match no Allow (the caller's IAM policy
 * decides) and the Deny; any other request an Allow and not the Deny.
 */
function resourcePolicyProblems(template: Template): string[] {
  const { Statement: statements } = resourcePolicyOf(template);
  const routes = synthesizedRoutes(template);
  const serve = methodMatcher(routes);
  const matches = (effect: string, resource: string) =>
    statements
      .filter(s => s.Effect === effect)
      .some(s => listOf(s.Resource).some(p => arnPatternMatches(p, resource)));
  const requests = routes.flatMap(route =>
    (route.method === 'ANY' ? HTTP_METHODS : [route.method]).map(method => ({
      method,
      path: samplePath(route.path)
    }))
  );
  const iamRoots = routes
    .filter(route => route.authorization === 'iam' && route.path.endsWith('+}'))
    .map(route => samplePath(route.path).replace(/a\/b\.txt$/, ''));
  const embedded = iamRoots.flatMap(root =>
    requests.map(({ method, path }) => ({ method, path: `${root}x${path}` }))
  );
  const problems: string[] = [];
  for (const { method, path: requestPath } of [...requests, ...embedded]) {
    const route = serve(method, requestPath);
    if (route === undefined) {
      continue;
    }
    const resource = methodResource(method, requestPath);
    const allowed = matches('Allow', resource);
    const denied = matches('Deny', resource);
    const iam = route.authorization === 'iam';
    if (iam ? allowed || !denied : !allowed || denied) {
      problems.push(
        `${method} ${requestPath} (${route.method} ${route.path}, ${route.authorization}): allow ${allowed}, deny ${denied}`
      );
    }
  }
  return problems;
}

describe('the gateway’s resource policy', () => {
  const example = JSON.parse(fs.readFileSync(EXAMPLE_FILE, 'utf-8')) as Record<
    string,
    unknown
  >;
  const template = Template.fromStack(buildStack(example).stack);

  it('lets anyone reach the public routes, the Cognito routes and the preflights, and allows no IAM route', () => {
    expect(resourcePolicyProblems(template)).toEqual([]);
    // Without CORS, an OPTIONS request to an IAM route is an IAM request.
    expect(resourcePolicyProblems(templateOf())).toEqual([]);
    for (const statement of resourcePolicyOf(template).Statement) {
      expect(statement).toMatchObject({
        Principal: '*',
        Action: 'execute-api:Invoke'
      });
    }
  });

  it('refuses the IAM routes to every principal but the deployment’s execution and cross-account roles', () => {
    const deny = resourcePolicyOf(template).Statement.find(
      s => s.Effect === 'Deny'
    );
    const principals = deny?.Condition?.ArnNotLike?.['aws:PrincipalArn'];
    expect(Object.keys(deny?.Condition ?? {})).toEqual(['ArnNotLike']);
    const allowedPrincipal = (arn: string) =>
      listOf(principals ?? []).some(p => arnPatternMatches(p, arn));
    const roles = template.findResources('AWS::IAM::Role');
    const executionRoles = Object.entries(roles).filter(([, role]) =>
      String(role.Properties.Description).startsWith('SageMaker execution role')
    );
    expect(executionRoles.length).toBeGreaterThan(3);
    for (const [id, role] of executionRoles) {
      expect(
        allowedPrincipal(
          `arn:aws:iam::123456789012:role${role.Properties.Path}${id}-ABC`
        )
      ).toBe(true);
    }
    const crossAccount = Object.keys(roles).filter(id =>
      id.startsWith('CrossAccount')
    );
    expect(crossAccount).toHaveLength(1);
    expect(listOf(principals ?? [])).toContain(`${crossAccount[0]}.Arn`);
    for (const outsider of [
      'arn:aws:iam::123456789012:user/admin',
      'arn:aws:iam::123456789012:role/Admin',
      'arn:aws:iam::123456789012:role/mlflow-other/ReadersExecutionRole',
      'arn:aws:iam::111122223333:role/training-jobs'
    ]) {
      expect(allowedPrincipal(outsider)).toBe(false);
    }
  });

  it('stays below API Gateway’s size limit for a resource policy, with the example’s roles and cross-account access', () => {
    const prefix = `arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:${DEPLOYED_IDS.restApi}/`;
    const stored = JSON.stringify(resourcePolicyOf(template))
      .replace(/execute-api:\//g, prefix)
      // A generated role name is at most 64 characters.
      .replace(
        /"[A-Za-z0-9]+\.Arn"/g,
        `"arn:aws-us-gov:iam::123456789012:role/${'x'.repeat(64)}"`
      );
    expect(stored.length).toBeLessThan(MAX_RESOURCE_POLICY_CHARACTERS);
  });

  it('makes a new deployment of the stage when the policy changes', () => {
    const deploymentOf = (json: Record<string, unknown>) =>
      Object.keys(
        templateOf(json).findResources('AWS::ApiGateway::Deployment')
      );
    const without = deploymentOf({});
    expect(without).toHaveLength(1);
    expect(
      deploymentOf({
        crossAccount: [
          {
            role: 'readers',
            accounts: ['111122223333'],
            principalArns: ['arn:aws:iam::111122223333:role/training-jobs']
          }
        ]
      })
    ).not.toEqual(without);
  });
});

describe('the gateway’s Lambda code', () => {
  it('bundles the built /auth/ pages into the pages function, and the authorizer without them', () => {
    const { app } = buildStack({}, { bundle: true });
    const assembly = app.synth();
    const assets = JSON.parse(
      fs.readFileSync(
        path.join(assembly.directory, 'Test.assets.json'),
        'utf-8'
      )
    ) as { files: Record<string, { source: { path: string } }> };
    const dirs = Object.values(assets.files)
      .map(file => path.join(assembly.directory, file.source.path))
      .filter(dir => fs.existsSync(path.join(dir, 'index.js')));
    const pagesDir = dirs.find(dir =>
      fs.existsSync(path.join(dir, 'gateway-pages'))
    );
    expect(pagesDir).toBeDefined();
    for (const page of Object.values(GATEWAY_PAGES)) {
      expect(
        fs.existsSync(path.join(pagesDir as string, 'gateway-pages', page.file))
      ).toBe(true);
    }
    const authorizer = dirs.find(dir =>
      fs
        .readFileSync(path.join(dir, 'index.js'), 'utf-8')
        .includes('COGNITO_ISSUER')
    );
    expect(authorizer).toBeDefined();
    expect(
      fs.existsSync(path.join(authorizer as string, 'gateway-pages'))
    ).toBe(false);
  });
});
