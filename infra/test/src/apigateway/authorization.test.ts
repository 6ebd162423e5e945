import {
  GATEWAY_HEADERS,
  GATEWAY_HEADER_PREFIX,
  GATEWAY_HEADER_SOURCES,
  gatewayHeaderValues
} from '../../../src/apigateway';

describe('the gateway headers MLflow hears', () => {
  const caller = {
    userArn: 'arn:aws:sts::123456789012:assumed-role/r/s',
    authorizer: { principal: 'alice', groups: 'readers,team-a' },
    requestId: 'req-1',
    proof: 'p'.repeat(48)
  };

  it('names every header with the prefix the gateways drop from clients', () => {
    for (const name of Object.values(GATEWAY_HEADERS)) {
      expect(name.toLowerCase().startsWith(GATEWAY_HEADER_PREFIX)).toBe(true);
    }
  });

  it('sets every header for every authorization', () => {
    for (const sources of Object.values(GATEWAY_HEADER_SOURCES)) {
      expect(Object.keys(sources).sort()).toEqual(
        Object.keys(GATEWAY_HEADERS).sort()
      );
    }
  });

  it('says the signer for IAM and leaves the roles to MLflow', () => {
    expect(gatewayHeaderValues('iam', caller)).toEqual({
      'X-Gateway-Authorization': 'iam',
      'X-Gateway-Principal': caller.userArn,
      'X-Gateway-Roles': '',
      'X-Gateway-Request-Id': 'req-1',
      'X-Gateway-Proof': caller.proof
    });
  });

  it('says the user and groups the authorizer found for a token', () => {
    expect(gatewayHeaderValues('token', caller)).toMatchObject({
      'X-Gateway-Authorization': 'token',
      'X-Gateway-Principal': 'alice',
      'X-Gateway-Roles': 'readers,team-a'
    });
  });

  it('says anonymous, with no roles, for a public method', () => {
    expect(gatewayHeaderValues('none', caller)).toMatchObject({
      'X-Gateway-Authorization': 'none',
      'X-Gateway-Principal': 'anonymous',
      'X-Gateway-Roles': ''
    });
  });

  it('maps static values as quoted literals and the rest from the context', () => {
    expect(GATEWAY_HEADER_SOURCES.iam.authorization.expression).toBe("'iam'");
    expect(GATEWAY_HEADER_SOURCES.iam.roles.expression).toBe("''");
    expect(GATEWAY_HEADER_SOURCES.token.roles.expression).toBe(
      'context.authorizer.groups'
    );
    expect(GATEWAY_HEADER_SOURCES.none.proof.expression).toBe(
      'stageVariables.gatewayProof'
    );
  });
});
