import {
  DEFAULT_CONFIG,
  IMessageFormatter,
  isConfigured,
  parseConfig
} from '../config';

/**
 * A complete, valid set of settings for Amazon Cognito.
 */
const GOOD = {
  gatewayUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/prod',
  region: 'us-east-1',
  userPoolId: 'us-east-1_AbCdEf123',
  userPoolClientId: '1example23456789abcdefghij'
};

/**
 * Parse GOOD with some settings replaced.
 */
function parseWith(overrides: Record<string, any>) {
  return parseConfig({ ...GOOD, ...overrides });
}

describe('parseConfig', () => {
  describe('defaults', () => {
    it('gives the schema defaults and no problem for empty settings', () => {
      const { config, problems } = parseConfig({});
      expect(config).toEqual(DEFAULT_CONFIG);
      expect(problems).toEqual([]);
      expect(isConfigured(config)).toBe(false);
    });

    it('treats the schema defaults as not set up, without problems', () => {
      const { config, problems } = parseConfig({ ...DEFAULT_CONFIG });
      expect(problems).toEqual([]);
      expect(isConfigured(config)).toBe(false);
    });

    it('accepts a complete Amazon Cognito configuration', () => {
      const { config, problems } = parseConfig(GOOD);
      expect(problems).toEqual([]);
      expect(config).toEqual({
        ...DEFAULT_CONFIG,
        ...GOOD
      });
      expect(isConfigured(config)).toBe(true);
    });

    it('returns a frozen config', () => {
      const { config } = parseConfig(GOOD);
      expect(Object.isFrozen(config)).toBe(true);
    });
  });

  describe('strings', () => {
    it('trims every string setting', () => {
      const { config, problems } = parseConfig({
        gatewayUrl: `  ${GOOD.gatewayUrl}\n`,
        region: ' us-east-1 ',
        userPoolId: '\tus-east-1_AbCdEf123',
        userPoolClientId: ` ${GOOD.userPoolClientId} `,
        defaultExperiment: '  my experiment  '
      });
      expect(problems).toEqual([]);
      expect(config).toEqual({
        ...DEFAULT_CONFIG,
        ...GOOD,
        defaultExperiment: 'my experiment'
      });
    });

    it('treats a blank value as not set', () => {
      const { config, problems } = parseConfig({ gatewayUrl: '   ' });
      expect(problems).toEqual([]);
      expect(config.gatewayUrl).toBe('');
    });

    it('reports a value that is not text', () => {
      const { config, problems } = parseWith({ region: 42 });
      expect(config.region).toBe('');
      expect(problems).toContain(
        'The MLflow setting "region" must be text, not a number.'
      );
      expect(isConfigured(config)).toBe(false);
    });

    it('reports an unknown setting by name', () => {
      const { problems } = parseWith({ gatewayURL: 'https://x.example.com' });
      expect(problems).toEqual([
        '"gatewayURL" is not an MLflow setting and is ignored. Check its spelling.'
      ]);
    });
  });

  describe('gatewayUrl', () => {
    it.each([
      [
        'https://abc123.execute-api.us-east-1.amazonaws.com/prod/',
        'https://abc123.execute-api.us-east-1.amazonaws.com/prod'
      ],
      [
        'https://abc123.execute-api.us-east-1.amazonaws.com/prod///',
        'https://abc123.execute-api.us-east-1.amazonaws.com/prod'
      ],
      ['https://mlflow.example.com', 'https://mlflow.example.com'],
      ['https://mlflow.example.com/', 'https://mlflow.example.com'],
      ['HTTPS://MLflow.Example.com/Prod', 'https://mlflow.example.com/Prod'],
      [
        'https://mlflow.example.com:8443/a/b',
        'https://mlflow.example.com:8443/a/b'
      ],
      ['http://localhost:5000', 'http://localhost:5000'],
      ['http://127.0.0.1:8080/prod/', 'http://127.0.0.1:8080/prod'],
      ['http://[::1]:8080', 'http://[::1]:8080']
    ])('accepts %s as %s', (given, expected) => {
      const { config, problems } = parseWith({ gatewayUrl: given });
      expect(problems).toEqual([]);
      expect(config.gatewayUrl).toBe(expected);
    });

    it.each([
      ['mlflow.example.com/prod', 'must be an absolute URL'],
      ['/prod', 'must be an absolute URL'],
      ['ftp://mlflow.example.com', 'must be an absolute URL'],
      ['https:mlflow.example.com', 'must be an absolute URL'],
      ['https://', 'must be an absolute URL'],
      ['https://exa mple.com', 'must be an absolute URL'],
      ['http://mlflow.example.com', 'must use https://'],
      ['http://10.0.0.5:5000', 'must use https://'],
      ['https://user:secret@mlflow.example.com', 'user name or password'],
      ['https://mlflow.example.com/prod?x=1', 'must not have a query'],
      ['https://mlflow.example.com/prod?', 'must not have a query'],
      ['https://mlflow.example.com/prod#top', 'must not have a query'],
      ['https://mlflow.example.com/#', 'must not have a query']
    ])('rejects %s', (given, reason) => {
      const { config, problems } = parseWith({ gatewayUrl: given });
      expect(config.gatewayUrl).toBe('');
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('"gatewayUrl"');
      expect(problems[0]).toContain(reason);
      expect(isConfigured(config)).toBe(false);
    });

    it('quotes the bad value, shortened when long', () => {
      const long = 'x'.repeat(200);
      const { problems } = parseWith({ gatewayUrl: long });
      expect(problems[0]).toContain(`"${'x'.repeat(77)}..."`);
      expect(problems[0]).not.toContain('x'.repeat(78));
    });
  });

  describe('region', () => {
    it.each([
      'us-east-1',
      'eu-central-2',
      'ap-southeast-7',
      'us-gov-west-1',
      'cn-north-1',
      'us-isob-east-1'
    ])('accepts %s', region => {
      const { config, problems } = parseWith({
        region,
        userPoolId: `${region}_AbCdEf123`
      });
      expect(problems).toEqual([]);
      expect(config.region).toBe(region);
    });

    it.each(['US-EAST-1', 'us-east', 'useast1', 'us_east_1', 'us-east-1a'])(
      'rejects %s',
      region => {
        const { config, problems } = parseWith({ region });
        expect(config.region).toBe('');
        expect(problems).toEqual([
          `The MLflow setting "region" must be an AWS Region code such as us-east-1, not "${region}".`
        ]);
      }
    );
  });

  describe('userPoolId', () => {
    it('accepts a local identity provider pool id with a custom endpoint', () => {
      const { config, problems } = parseWith({
        userPoolId: 'local_5Jh6ZWdR',
        cognitoEndpoint: 'http://127.0.0.1:9229'
      });
      expect(problems).toEqual([]);
      expect(config.userPoolId).toBe('local_5Jh6ZWdR');
    });

    it.each(['us-east-1', 'us-east-1_', '_AbC', 'us-east-1_Ab-C', 'us east_1'])(
      'rejects %s',
      userPoolId => {
        const { config, problems } = parseWith({ userPoolId });
        expect(config.userPoolId).toBe('');
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain('"userPoolId" must look like');
      }
    );

    it('rejects a pool of another region than "region"', () => {
      const { config, problems } = parseWith({
        userPoolId: 'eu-west-1_AbCdEf123'
      });
      expect(config.userPoolId).toBe('');
      expect(problems).toEqual([
        'The MLflow setting "userPoolId" names a user pool in eu-west-1, but the setting "region" is us-east-1. They must match.'
      ]);
    });

    it('does not compare regions when a custom endpoint is set', () => {
      const { problems } = parseWith({
        userPoolId: 'eu-west-1_AbCdEf123',
        cognitoEndpoint: 'http://localhost:9229'
      });
      expect(problems).toEqual([]);
    });
  });

  describe('userPoolClientId', () => {
    it('accepts letters, digits, "_" and "+"', () => {
      const { config, problems } = parseWith({ userPoolClientId: 'ab_C+9' });
      expect(problems).toEqual([]);
      expect(config.userPoolClientId).toBe('ab_C+9');
    });

    it.each(['abc-def', 'a b', 'x'.repeat(129)])('rejects %s', clientId => {
      const { config, problems } = parseWith({ userPoolClientId: clientId });
      expect(config.userPoolClientId).toBe('');
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('"userPoolClientId"');
    });
  });

  describe('cognitoEndpoint', () => {
    it('is empty by default', () => {
      expect(parseConfig(GOOD).config.cognitoEndpoint).toBe('');
    });

    it('accepts a loopback http URL and drops the trailing slash', () => {
      const { config, problems } = parseWith({
        cognitoEndpoint: 'http://127.0.0.1:9229/'
      });
      expect(problems).toEqual([]);
      expect(config.cognitoEndpoint).toBe('http://127.0.0.1:9229');
    });

    it('accepts an https URL', () => {
      const { config, problems } = parseWith({
        cognitoEndpoint: 'https://cognito.example.com'
      });
      expect(problems).toEqual([]);
      expect(config.cognitoEndpoint).toBe('https://cognito.example.com');
    });

    it.each([
      ['127.0.0.1:9229', 'must be an absolute URL'],
      ['http://cognito.example.com', 'must use https://'],
      ['https://cognito.example.com/?a=b', 'must not have a query']
    ])('rejects %s', (given, reason) => {
      const { config, problems } = parseWith({ cognitoEndpoint: given });
      expect(config.cognitoEndpoint).toBe('');
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('"cognitoEndpoint"');
      expect(problems[0]).toContain(reason);
    });
  });

  describe('authFlow', () => {
    it.each(['USER_SRP_AUTH', 'USER_PASSWORD_AUTH'])('accepts %s', flow => {
      const { config, problems } = parseWith({ authFlow: flow });
      expect(problems).toEqual([]);
      expect(config.authFlow).toBe(flow);
    });

    it('defaults to USER_SRP_AUTH', () => {
      expect(parseConfig(GOOD).config.authFlow).toBe('USER_SRP_AUTH');
    });

    it.each([
      ['user_srp_auth', '"user_srp_auth"'],
      ['CUSTOM_AUTH', '"CUSTOM_AUTH"'],
      [true, 'true or false']
    ])('rejects %s', (flow, shown) => {
      const { config, problems } = parseWith({ authFlow: flow });
      expect(config.authFlow).toBe('USER_SRP_AUTH');
      expect(problems).toEqual([
        `The MLflow setting "authFlow" must be one of USER_SRP_AUTH, USER_PASSWORD_AUTH, not ${shown}.`
      ]);
    });
  });

  describe('sidebarSide', () => {
    it.each(['left', 'right'])('accepts %s', side => {
      const { config, problems } = parseWith({ sidebarSide: side });
      expect(problems).toEqual([]);
      expect(config.sidebarSide).toBe(side);
    });

    it('defaults to right', () => {
      expect(parseConfig({}).config.sidebarSide).toBe('right');
    });

    it('rejects another side', () => {
      const { config, problems } = parseWith({ sidebarSide: 'top' });
      expect(config.sidebarSide).toBe('right');
      expect(problems).toEqual([
        'The MLflow setting "sidebarSide" must be one of left, right, not "top".'
      ]);
    });

    it('does not count as a connection setting', () => {
      const { problems } = parseConfig({ sidebarSide: 'left' });
      expect(problems).toEqual([]);
    });
  });

  describe('defaultExperiment', () => {
    it('keeps a name or an id', () => {
      expect(
        parseWith({ defaultExperiment: '42' }).config.defaultExperiment
      ).toBe('42');
      expect(
        parseWith({ defaultExperiment: 'Churn model' }).config.defaultExperiment
      ).toBe('Churn model');
    });
  });

  describe('completeness', () => {
    it.each(['gatewayUrl', 'region', 'userPoolId', 'userPoolClientId'])(
      'names %s when only it is missing',
      name => {
        const { config, problems } = parseWith({ [name]: '' });
        expect(isConfigured(config)).toBe(false);
        expect(problems).toEqual([
          `The MLflow setting "${name}" is empty. The extension needs all of gatewayUrl, region, userPoolId and userPoolClientId.`
        ]);
      }
    );

    it('names every missing setting when only the gateway is set', () => {
      const { problems } = parseConfig({ gatewayUrl: GOOD.gatewayUrl });
      expect(problems).toHaveLength(3);
      expect(problems.join(' ')).toMatch(
        /"region".*"userPoolId".*"userPoolClientId"/
      );
    });

    it('counts a custom endpoint alone as a partial setup', () => {
      const { problems } = parseConfig({
        cognitoEndpoint: 'http://127.0.0.1:9229'
      });
      expect(problems).toHaveLength(4);
    });

    it('does not call an invalid value missing', () => {
      const { problems } = parseWith({ region: 'nowhere' });
      expect(problems).toHaveLength(1);
      expect(problems[0]).not.toContain('is empty');
    });
  });

  describe('formatter', () => {
    it('phrases problems through the given formatter', () => {
      const calls: string[] = [];
      const shouting: IMessageFormatter = {
        __: (msgid: string, ...args: any[]) => {
          calls.push(msgid);
          return `${msgid.toUpperCase()} ${args.join('|')}`;
        }
      };
      const { problems } = parseConfig(
        { ...GOOD, region: 'nowhere' },
        shouting
      );
      expect(calls).toHaveLength(1);
      expect(problems).toEqual([
        'THE MLFLOW SETTING "REGION" MUST BE AN AWS REGION CODE SUCH AS US-EAST-1, NOT "%1". nowhere'
      ]);
    });
  });
});

describe('isConfigured', () => {
  it('needs the four connection settings', () => {
    expect(isConfigured({ ...DEFAULT_CONFIG, ...GOOD })).toBe(true);
    for (const name of Object.keys(GOOD)) {
      expect(isConfigured({ ...DEFAULT_CONFIG, ...GOOD, [name]: '' })).toBe(
        false
      );
    }
  });

  it('does not need the optional settings', () => {
    expect(
      isConfigured({
        ...DEFAULT_CONFIG,
        ...GOOD,
        cognitoEndpoint: '',
        defaultExperiment: ''
      })
    ).toBe(true);
  });
});
