import {
  INTEGRATION_TIMEOUT_ENV,
  integrationTimeoutSeconds
} from '../../../local/gateway/config';
import { INTEGRATION_TIMEOUT_SECONDS } from '../../../src/apigateway';

describe("the local gateway's integration timeout", () => {
  it("is API Gateway's unless the environment says otherwise", () => {
    expect(integrationTimeoutSeconds({})).toBe(INTEGRATION_TIMEOUT_SECONDS);
    expect(integrationTimeoutSeconds({ [INTEGRATION_TIMEOUT_ENV]: '' })).toBe(
      INTEGRATION_TIMEOUT_SECONDS
    );
  });

  it('may be shortened, for a test that needs seconds', () => {
    expect(
      integrationTimeoutSeconds({ [INTEGRATION_TIMEOUT_ENV]: '2.5' })
    ).toBe(2.5);
  });

  it.each(['0', '-1', 'soon', '30'])(
    'refuses %s, naming the variable',
    value => {
      expect(() =>
        integrationTimeoutSeconds({ [INTEGRATION_TIMEOUT_ENV]: value })
      ).toThrow(INTEGRATION_TIMEOUT_ENV);
    }
  );
});
