import { performance } from 'node:perf_hooks';

import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

import { evaluatePolicy } from '../src/apigateway/policy-evaluation';
import { apiArnPrefix, methodArn } from '../src/permissions/policy';
import { cognitoClient } from '../local/cognito/pool';
import { PATHS } from '../local/config';
import { readGatewayConfig } from '../local/gateway/config';
import { loadAuthorizer } from '../local/authorizer-bundle';
import { percentile, requireStack } from './support';

/**
 * The Lambda authorizer's warm decision time: the bundle the local gateway
 * runs, configured for cognito-local, deciding real tokens of each role.
 * After a warm-up (keys fetched, policies built), each decision verifies the
 * token's signature and claims, builds (or reuses) the policy and evaluates it
 * against the method ARN, as API Gateway would with caching off.
 *
 * Needs the local stack (`npm run local -- up`).
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2000);
const WARMUP = 100;

async function main(): Promise<void> {
  const stack = requireStack();
  const config = readGatewayConfig(PATHS.gatewayConfig);
  const handler = loadAuthorizer(config).authorize;

  const cognito = cognitoClient(Number(new URL(stack.cognito.endpoint).port));
  const prefix = apiArnPrefix(config.api);
  const requests: [string, string][] = [
    ['POST', '/ajax-api/2.0/mlflow/runs/search'],
    ['POST', '/ajax-api/2.0/mlflow/experiments/delete'],
    ['GET', '/get-artifact']
  ];

  console.log(
    `Lambda authorizer, warm, ${ROUNDS} decisions per role (ms): verify token, policy, evaluate`
  );
  console.log('role              p50     p99    decisions/s');
  for (const [role, user] of Object.entries(stack.users)) {
    const signedIn = await cognito.send(
      new InitiateAuthCommand({
        ClientId: stack.cognito.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: user.username, PASSWORD: user.password }
      })
    );
    const token = signedIn.AuthenticationResult?.AccessToken as string;
    const times: number[] = [];
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const [method, requestPath] = requests[i % requests.length];
      const arn = methodArn(prefix, method, requestPath);
      const event = {
        type: 'REQUEST',
        methodArn: arn,
        headers: { Authorization: `Bearer ${token}` }
      } as unknown as APIGatewayRequestAuthorizerEvent;
      const start = performance.now();
      const result = await handler(event);
      evaluatePolicy(result.policyDocument, arn);
      const ms = performance.now() - start;
      if (i >= WARMUP) {
        times.push(ms);
      }
    }
    times.sort((a, b) => a - b);
    const total = times.reduce((sum, ms) => sum + ms, 0);
    console.log(
      [
        role.padEnd(16),
        percentile(times, 50).toFixed(3).padStart(6),
        percentile(times, 99).toFixed(3).padStart(7),
        (times.length / (total / 1000)).toFixed(0).padStart(14)
      ].join(' ')
    );
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
