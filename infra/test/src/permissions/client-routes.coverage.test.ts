/**
 * Everything the installed MLflow's Python client can call takes SigV4: each
 * endpoint its REST stores, OTLP exporter and artifact repository call (read
 * from MLflow's code by scripts/mlflow_client_routes.py) lands on an IAM or
 * public method of the API, and the local gateway decides a signed request
 * for it as IAM, never asking for a token. With the coverage test of the
 * routes, an MLflow upgrade names every new client call.
 */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';

import { createAccessControl } from '../../../local/gateway/access';
import { UNAUTHORIZED_ERROR, methodMatcher } from '../../../src/apigateway';
import { gatewayRoutes } from '../../../src/gateway-routes';
import { ApiTarget } from '../../../src/permissions/policy';
import { signedRequest } from '../../support/signer';

const PYTHON = path.resolve(__dirname, '../../../../.venv/bin/python');
const CLIENT_ROUTES_SCRIPT = path.resolve(
  __dirname,
  '../../../scripts/mlflow_client_routes.py'
);

interface ClientEndpoint {
  method: string;
  /** A path, or a template whose `{...}` are path parameters. */
  path: string;
  /** Where in MLflow the call was read. */
  source: string;
}

interface ClientRoutes {
  mlflowVersion: string;
  endpoints: ClientEndpoint[];
  /** `endpoint=` arguments the script could not read. */
  unresolved: { source: string; expression: string }[];
}

function listClientRoutes(): ClientRoutes {
  const env = { ...process.env };
  delete env.MLFLOW_STATIC_PREFIX;
  try {
    return JSON.parse(
      execFileSync(PYTHON, [CLIENT_ROUTES_SCRIPT], {
        cwd: os.tmpdir(),
        env,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe']
      })
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `Could not list the MLflow client's endpoints with ${PYTHON} ` +
        `${CLIENT_ROUTES_SCRIPT} (run scripts/setup.sh to create .venv):\n` +
        `${String(error)}\n${stderr}`
    );
  }
}

/** A request path for an endpoint: every path parameter filled in. */
const requestPath = (template: string): string =>
  template.replace(/\{[^}]+\}/g, 'x1');

const API: ApiTarget = {
  region: 'us-east-1',
  account: '123456789012',
  apiId: 'abc123',
  stage: 'prod'
};
const ADMIN = {
  accessKeyId: 'AKIATESTADMIN0000000',
  secretAccessKey: 'secret/of+admins',
  role: 'admins',
  principal: `arn:aws:sts::${API.account}:assumed-role/admins/job`
};
const SIGNED_AT = new Date('2024-05-06T07:08:09Z');

jest.setTimeout(180_000);

describe('every endpoint the installed MLflow client calls takes SigV4', () => {
  let listed: ClientRoutes;

  beforeAll(() => {
    listed = listClientRoutes();
    console.debug(
      `MLflow ${listed.mlflowVersion}: ${listed.endpoints.length} client endpoints`
    );
  });

  it('reads the REST stores, the OTLP exporter and the artifact repository', () => {
    expect(listed.unresolved).toEqual([]);
    const sources = listed.endpoints.map(e => `${e.method} ${e.path}`);
    expect(listed.endpoints.length).toBeGreaterThan(200);
    expect(sources).toEqual(
      expect.arrayContaining([
        'POST /v1/traces',
        'GET /version',
        'POST /api/2.0/mlflow/runs/log-batch',
        'GET /api/3.0/mlflow/traces/get',
        'GET /api/2.0/mlflow/registered-models/get',
        'POST /api/2.0/mlflow/webhooks',
        expect.stringMatching(/^PUT \/api\/2\.0\/mlflow-artifacts\/artifacts\//)
      ])
    );
  });

  it('lands each on an IAM (or public) method of the API', () => {
    const routeOf = methodMatcher(gatewayRoutes());
    const notIam = listed.endpoints.flatMap(endpoint => {
      const route = routeOf(endpoint.method, requestPath(endpoint.path));
      return route === undefined ||
        !['iam', 'none'].includes(route.authorization)
        ? [
            `${endpoint.method} ${endpoint.path} (${endpoint.source}): ` +
              (route === undefined
                ? 'no route'
                : `${route.method} ${route.path} is ${route.authorization}`)
          ]
        : [];
    });
    expect(notIam).toEqual([]);
  });

  it('is decided as IAM by the local gateway when signed, not sent to the authorizer', async () => {
    const authorizerCalls: string[] = [];
    const decide = createAccessControl({
      api: API,
      iam: [ADMIN],
      authorize: async event => {
        authorizerCalls.push(`${event.httpMethod} ${event.path}`);
        throw new Error(UNAUTHORIZED_ERROR);
      },
      now: () => SIGNED_AT
    });
    const undecided: string[] = [];
    for (const endpoint of listed.endpoints) {
      const decision = await decide(
        await signedRequest(
          {
            method: endpoint.method,
            path: requestPath(endpoint.path),
            headers: { 'content-type': 'application/json' },
            body: endpoint.method === 'GET' ? '' : '{}'
          },
          ADMIN,
          { region: API.region, host: '127.0.0.1:8787', date: SIGNED_AT }
        )
      );
      // The admin's policy decides: allowed, or denied by IAM for a path
      // MLflow does not serve (a Databricks-only API in the client's table).
      const byIam = decision.allowed
        ? decision.principal === ADMIN.principal ||
          decision.route?.authorization === 'none'
        : decision.refusal.type === 'ACCESS_DENIED' &&
          decision.refusal.body.message.startsWith(`User: ${ADMIN.principal}`);
      if (!byIam) {
        undecided.push(
          `${endpoint.method} ${endpoint.path} (${endpoint.source}): ` +
            (decision.allowed
              ? `allowed as ${decision.principal}`
              : `${decision.refusal.status} ${decision.refusal.body.message}`)
        );
      }
    }
    expect(undecided).toEqual([]);
    expect(authorizerCalls).toEqual([]);
  });
});
