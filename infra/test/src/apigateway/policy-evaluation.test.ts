import {
  type PolicyDocument,
  arnPatternMatches,
  evaluatePolicy
} from '../../../src/apigateway/policy-evaluation';

const API = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod';

const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({
  Version: '2012-10-17',
  Statement
});

describe('arnPatternMatches', () => {
  it.each([
    [
      `${API}/GET/api/2.0/mlflow/runs/get`,
      `${API}/GET/api/2.0/mlflow/runs/get`,
      true
    ],
    [
      `${API}/GET/api/2.0/mlflow/runs/get`,
      `${API}/GET/api/2.0/mlflow/runs/GET`,
      false
    ],
    [`${API}/GET/*`, `${API}/GET/api/2.0/mlflow/runs/get`, true],
    // `*` runs across slashes, as in API Gateway.
    [
      `${API}/GET/api/2.0/mlflow-artifacts/artifacts/*`,
      `${API}/GET/api/2.0/mlflow-artifacts/artifacts/1/a/b.txt`,
      true
    ],
    [
      `${API}/*/api/2.0/mlflow/runs/search`,
      `${API}/POST/api/2.0/mlflow/runs/search`,
      true
    ],
    [
      `${API}/GET/api/?.0/mlflow/runs/get`,
      `${API}/GET/api/3.0/mlflow/runs/get`,
      true
    ],
    [
      `${API}/GET/api/?.0/mlflow/runs/get`,
      `${API}/GET/api/30.0/mlflow/runs/get`,
      false
    ],
    // Regular-expression characters are literal.
    [
      `${API}/GET/api/2.0/mlflow/runs/get`,
      `${API}/GET/api/2x0/mlflow/runs/get`,
      false
    ],
    [`${API}/GET/a+b`, `${API}/GET/aab`, false],
    [`${API}/GET/a(b)`, `${API}/GET/a(b)`, true],
    [`${API}/GET/`, `${API}/GET/x`, false]
  ])('%s ~ %s: %s', (pattern, arn, expected) => {
    expect(arnPatternMatches(pattern, arn)).toBe(expected);
  });
});

describe('evaluatePolicy', () => {
  const arn = `${API}/POST/api/2.0/mlflow/experiments/create`;

  it('denies when no statement applies', () => {
    expect(evaluatePolicy(policy(), arn)).toBe('deny');
    expect(
      evaluatePolicy(
        policy({
          Effect: 'Allow',
          Action: 'execute-api:Invoke',
          Resource: `${API}/GET/*`
        }),
        arn
      )
    ).toBe('deny');
  });

  it('allows what a statement allows, with any spelling of the invoke action', () => {
    for (const Action of [
      'execute-api:Invoke',
      'execute-api:invoke',
      'execute-api:*',
      '*',
      ['s3:GetObject', 'execute-api:Invoke']
    ]) {
      expect(
        evaluatePolicy(
          policy({ Effect: 'Allow', Action, Resource: `${API}/*` }),
          arn
        )
      ).toBe('allow');
    }
  });

  it('does not take another action for invoking', () => {
    expect(
      evaluatePolicy(
        policy({
          Effect: 'Allow',
          Action: 'execute-api:ManageConnections',
          Resource: `${API}/*`
        }),
        arn
      )
    ).toBe('deny');
  });

  it('lets an explicit Deny win over any Allow, in any order', () => {
    const allow = {
      Effect: 'Allow' as const,
      Action: 'execute-api:Invoke',
      Resource: `${API}/*`
    };
    const deny = {
      Effect: 'Deny' as const,
      Action: 'execute-api:Invoke',
      Resource: [`${API}/POST/api/2.0/mlflow/experiments/*`]
    };
    expect(evaluatePolicy(policy(allow, deny), arn)).toBe('deny');
    expect(evaluatePolicy(policy(deny, allow), arn)).toBe('deny');
    expect(
      evaluatePolicy(
        policy(allow, deny),
        `${API}/POST/api/2.0/mlflow/runs/search`
      )
    ).toBe('allow');
  });
});
