import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import Ajv from 'ajv';

import {
  DEFAULT_CONFIG,
  DEPLOY_SCHEMA_FILE,
  InvalidDeploymentConfigError,
  appDeploymentConfig,
  deploymentConfigJsonSchema,
  parseDeploymentConfig,
  readDeploymentConfig,
  testedMlflowVersion
} from '../../cdk/config';
import { buildStack } from '../support/cdk';

const ORG = 'o-abcdef1234';
const EXAMPLE_FILE = path.join(__dirname, '..', '..', 'deploy.example.json');

/** The problems of a configuration, or [] when it parses. */
function problemsOf(json: unknown): string[] {
  try {
    parseDeploymentConfig(json);
    return [];
  } catch (error) {
    if (error instanceof InvalidDeploymentConfigError) {
      return [...error.problems];
    }
    throw error;
  }
}

describe('the deployment configuration', () => {
  it('is valid as defaults, deploying the MLflow release the tests run', () => {
    expect(problemsOf({})).toEqual([]);
    const requirements = fs.readFileSync(
      path.join(__dirname, '..', '..', '..', 'requirements', 'dev.in'),
      'utf-8'
    );
    expect(requirements).toContain(`mlflow[auth]==${testedMlflowVersion()}\n`);
    expect(DEFAULT_CONFIG.mlflow.version).toBe(testedMlflowVersion());
  });

  it('merges the given values over the defaults', () => {
    const config = parseDeploymentConfig({
      region: 'eu-west-1',
      account: '123456789012',
      studio: { origins: ['https://d-abc.studio.eu-west-1.sagemaker.aws'] },
      mlflow: { cpu: 2048, memoryMiB: 4096 }
    });
    expect(config.region).toBe('eu-west-1');
    expect(config.mlflow).toEqual({
      ...DEFAULT_CONFIG.mlflow,
      cpu: 2048,
      memoryMiB: 4096
    });
    expect(config.cognito).toEqual(DEFAULT_CONFIG.cognito);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown setting', { colour: 'blue' }, /"colour" is not a setting/],
    ['a bad account', { account: '1234' }, /"account"/],
    ['a bad region', { region: 'mars' }, /"region"/],
    [
      'an http origin',
      { studio: { origins: ['http://studio.example.com'] } },
      /not an https:\/\/ origin/
    ],
    [
      'an origin with a path',
      { studio: { origins: ['https://studio.example.com/lab'] } },
      /not an https:\/\/ origin/
    ],
    [
      'a bad domain id',
      { studio: { domainId: 'studio' } },
      /"studio.domainId"/
    ],
    ['a bad MFA setting', { cognito: { mfa: 'sometimes' } }, /"cognito.mfa"/],
    [
      'access tokens longer than an hour',
      { cognito: { accessTokenMinutes: 120 } },
      /"cognito.accessTokenMinutes" must be a whole number of minutes from 5 to 60/
    ],
    [
      'access tokens shorter than Cognito allows',
      { cognito: { accessTokenMinutes: 2 } },
      /"cognito.accessTokenMinutes"/
    ],
    [
      'a role clashing with a built-in one',
      {
        permissions: {
          roles: [{ name: 'Readers', description: 'x', allow: ['access:read'] }]
        }
      },
      /role "Readers": clashes with the built-in role "readers"/
    ],
    [
      'an MLflow 2 version',
      { mlflow: { version: '2.22.0' } },
      /"mlflow.version"/
    ],
    [
      'memory Fargate does not offer for the CPU',
      { mlflow: { cpu: 256, memoryMiB: 8192 } },
      /between 512 and 2048/
    ],
    [
      'more minimum than maximum tasks',
      { mlflow: { minTasks: 3, maxTasks: 2 } },
      /"mlflow.minTasks"/
    ],
    [
      'capacities not in steps of 0.5',
      { database: { minCapacity: 0.3, maxCapacity: 4 } },
      /ACUs in steps of 0.5/
    ],
    ['a retention CloudWatch refuses', { logRetentionDays: 42 }, /accepts/],
    [
      'an existing VPC with one subnet',
      {
        vpc: {
          vpcId: 'vpc-0abc',
          cidrBlock: '10.1.0.0/16',
          privateSubnetIds: ['subnet-01'],
          availabilityZones: ['us-east-1a']
        }
      },
      /at least two subnet ids/
    ]
  ])('refuses %s, saying which setting', (_, json, message) => {
    const problems = problemsOf(json);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ region: 'x', logRetentionDays: 2 })).toHaveLength(2);
  });

  it('accepts an existing VPC named with its private subnets and zones', () => {
    expect(
      problemsOf({
        vpc: {
          vpcId: 'vpc-0abc',
          cidrBlock: '10.1.0.0/16',
          privateSubnetIds: ['subnet-01', 'subnet-02'],
          availabilityZones: ['us-east-1a', 'us-east-1b']
        }
      })
    ).toEqual([]);
  });

  it('reads a file, and names a broken one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-'));
    const file = path.join(dir, 'deploy.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ $schema: './deploy.schema.json', logRetentionDays: 30 })
    );
    expect(readDeploymentConfig(file).logRetentionDays).toBe(30);
    fs.writeFileSync(file, '{ not json');
    expect(() => readDeploymentConfig(file)).toThrow(/deploy.json is not JSON/);
    expect(() => parseDeploymentConfig([])).toThrow(/must be a JSON object/);
  });

  it('is the named file, which must exist, else deploy.json if there is one, else the defaults', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-'));
    const absent = path.join(dir, 'deploy.json');
    expect(appDeploymentConfig(undefined, absent)).toEqual(DEFAULT_CONFIG);
    fs.writeFileSync(absent, JSON.stringify({ name: 'Default' }));
    expect(appDeploymentConfig(undefined, absent).name).toBe('Default');
    const named = path.join(dir, 'named.json');
    fs.writeFileSync(named, JSON.stringify({ name: 'Named' }));
    expect(appDeploymentConfig(named, absent).name).toBe('Named');

    const missing = path.join(dir, 'missing.json');
    expect(() => appDeploymentConfig(missing, absent)).toThrow(
      `The deployment configuration ${missing} (-c config=${missing}) does not exist.`
    );
    expect(() =>
      appDeploymentConfig(path.relative(process.cwd(), missing), absent)
    ).toThrow(missing);
  });

  it('accepts the example, which the README shows as it is', () => {
    const text = fs.readFileSync(EXAMPLE_FILE, 'utf-8');
    expect(problemsOf(JSON.parse(text))).toEqual([]);
    const readme = fs.readFileSync(
      path.join(__dirname, '..', '..', '..', 'README.md'),
      'utf-8'
    );
    const section = readme.slice(readme.indexOf('## Deploy to AWS'));
    const example = /```json\n([\s\S]*?)```/.exec(section);
    expect(example).not.toBeNull();
    expect(JSON.parse(example![1])).toEqual(JSON.parse(text));
  });

  it('synthesizes the example, account and region set, with no look-up and every AWS Solutions check passed', () => {
    const example = JSON.parse(fs.readFileSync(EXAMPLE_FILE, 'utf-8'));
    const assembly = buildStack(example).app.synth();
    // A look-up CDK would need credentials for shows up as missing context.
    expect(assembly.manifest.missing ?? []).toEqual([]);
    expect(assembly.stacks[0].environment).toMatchObject({
      account: '123456789012',
      region: 'us-east-1'
    });
  });

  it('names each wrong Studio user, cross-account role and throttle', () => {
    const problems = problemsOf({
      studio: {
        users: [
          { name: 'ann', role: 'readers' },
          { name: 'ann', role: 'readers' },
          { name: '-x', role: 'readers' },
          { name: 'bo', role: 'owners' }
        ],
        managedPolicies: { readers: ['not a policy!'] }
      },
      crossAccount: [
        {
          role: 'readers',
          accounts: ['12'],
          principalArns: ['arn:aws:iam::111122223333:role/jobs']
        }
      ],
      gateway: { rateLimit: 0, burstLimit: 1.5 }
    });
    expect(problems).toEqual([
      expect.stringMatching(/"studio.managedPolicies"/),
      '"studio.users": "ann" is listed twice',
      expect.stringMatching(
        /"studio.users": "-x" is not a Studio user profile name/
      ),
      '"studio.users": "bo" has the role "owners", which is not defined',
      expect.stringMatching(
        /"crossAccount": the role "readers" must list the 12-digit accounts/
      ),
      '"crossAccount": the role "readers" names "arn:aws:iam::111122223333:role/jobs", which is not an IAM principal ARN of its accounts',
      expect.stringMatching(/"gateway.rateLimit"/)
    ]);
  });

  it('keeps audit events seven years unless configured, with no locked archive unless asked for', () => {
    expect(DEFAULT_CONFIG.audit).toEqual({ retentionDays: 2557 });
    expect(parseDeploymentConfig({ audit: { objectLock: {} } }).audit).toEqual({
      retentionDays: 2557,
      objectLock: { mode: 'COMPLIANCE', days: 2557 }
    });
    expect(
      parseDeploymentConfig({
        audit: {
          retentionDays: 3653,
          objectLock: { mode: 'GOVERNANCE', days: 400 }
        }
      }).audit
    ).toEqual({
      retentionDays: 3653,
      objectLock: { mode: 'GOVERNANCE', days: 400 }
    });
    expect(problemsOf({ audit: { retentionDays: 42 } })).toEqual([
      expect.stringMatching(/"audit.retentionDays" must be one CloudWatch/)
    ]);
    expect(problemsOf({ audit: { objectLock: { mode: 'LEGAL' } } })).toEqual([
      '"audit.objectLock.mode" must be "COMPLIANCE" or "GOVERNANCE"'
    ]);
    for (const days of [0, 36_501, 1.5]) {
      expect(problemsOf({ audit: { objectLock: { days } } })).toEqual([
        '"audit.objectLock.days" must be a whole number of days from 1 to 36500'
      ]);
    }
  });

  it('limits each client address in the web ACL, 20,000 requests per 5 minutes unless configured, within AWS WAF’s bounds', () => {
    expect(DEFAULT_CONFIG.gateway.perIpRequestsPer5Minutes).toBe(20_000);
    expect(
      parseDeploymentConfig({ gateway: { perIpRequestsPer5Minutes: 500 } })
        .gateway
    ).toEqual({ ...DEFAULT_CONFIG.gateway, perIpRequestsPer5Minutes: 500 });
    for (const wrong of [9, 2_000_000_001, 100.5, 'many']) {
      expect(
        problemsOf({ gateway: { perIpRequestsPer5Minutes: wrong } })
      ).toEqual([
        '"gateway.perIpRequestsPer5Minutes" must be a whole number of requests from 10 to 2000000000'
      ]);
    }
  });

  it('takes managed policies per role, naming a list for every role and roles that do not exist', () => {
    expect(
      problemsOf({ studio: { managedPolicies: ['AmazonSageMakerFullAccess'] } })
    ).toEqual([
      expect.stringMatching(
        /"studio.managedPolicies" must map MLflow roles to lists of managed policy names or ARNs/
      )
    ]);
    expect(
      problemsOf({
        studio: { managedPolicies: { owners: ['AmazonS3ReadOnlyAccess'] } }
      })
    ).toEqual(['"studio.managedPolicies": the role "owners" is not defined']);
    expect(
      parseDeploymentConfig({
        studio: { managedPolicies: { admins: ['AmazonS3ReadOnlyAccess'] } }
      }).studio.managedPolicies
    ).toEqual({ admins: ['AmazonS3ReadOnlyAccess'] });
  });

  it('requires each cross-account role to name who may assume it', () => {
    expect(
      problemsOf({
        crossAccount: [{ role: 'readers', accounts: ['111122223333'] }]
      })
    ).toEqual([
      '"crossAccount": the role "readers" must name who may assume it: "principalArns" (roles or users of its accounts) or "principalOrgId"'
    ]);
    expect(
      problemsOf({
        crossAccount: [
          {
            role: 'readers',
            accounts: ['111122223333'],
            principalOrgId: 'org-1'
          }
        ]
      })
    ).toEqual([
      '"crossAccount": the role "readers" has the organization id "org-1", which is not one (o-…)'
    ]);
    expect(
      problemsOf({
        crossAccount: [
          {
            role: 'readers',
            accounts: ['111122223333'],
            principalArns: ['arn:aws:iam::111122223333:role/jobs/*']
          }
        ]
      })
    ).toEqual([]);
  });

  it('names a wrong Studio user, cross-account entry or role definition by its place, also among other problems', () => {
    expect(
      problemsOf({
        studio: { users: [{ name: 'ann' }], colour: 'blue' },
        crossAccount: [
          { role: 'nobody', accounts: ['111122223333'], principalOrgId: ORG }
        ],
        permissions: { roles: [{ name: 'x', allow: [] }] },
        cognito: { mfa: 'sometimes' }
      })
    ).toEqual([
      '"studio.colour" is not a setting',
      '"studio.users[0].role" is required',
      '"cognito.mfa" must be "off", "optional" or "required"',
      '"permissions.roles[0].description" is required'
    ]);
  });

  it('checks roles across settings even when another setting is wrong', () => {
    expect(
      problemsOf({
        studio: { users: [{ name: 'ann', role: 'owners' }] },
        crossAccount: [
          { role: 'nobody', accounts: ['111122223333'], principalOrgId: ORG }
        ],
        gateway: { rateLimit: 'fast' }
      })
    ).toEqual([
      '"studio.users": "ann" has the role "owners", which is not defined',
      '"crossAccount": the role "nobody" is not defined',
      expect.stringMatching(/"gateway.rateLimit"/)
    ]);
  });
});

describe('the SSO settings', () => {
  const saml = {
    name: 'IdentityCenter',
    saml: {
      metadataUrl: 'https://portal.sso.us-east-1.amazonaws.com/saml/metadata/x'
    },
    groupsAttribute: 'groups',
    groups: { 'idc-admins': ['admins'], 'idc-a': ['team-a'] }
  };

  it('signs in with passwords only unless configured', () => {
    expect(DEFAULT_CONFIG.cognito.signIn).toEqual(['password']);
    expect(DEFAULT_CONFIG.cognito.identityProviders).toEqual([]);
  });

  it('needs a domain and a provider for SSO, and SSO for providers', () => {
    expect(problemsOf({ cognito: { signIn: ['sso'] } })).toEqual([
      '"cognito.domainPrefix" is required when "cognito.signIn" has "sso"',
      '"cognito.identityProviders" must list at least one provider when "cognito.signIn" has "sso"'
    ]);
    expect(problemsOf({ cognito: { identityProviders: [saml] } })).toEqual([
      '"cognito.signIn" must have "sso" for "cognito.identityProviders" to be used'
    ]);
    expect(problemsOf({ cognito: { signIn: [] } })).toEqual([
      '"cognito.signIn" must list "password", "sso" or both'
    ]);
  });

  it('names a provider that is neither or both kinds, a name used twice and a wrong domain', () => {
    const { saml: metadata, ...neither } = saml;
    const problems = problemsOf({
      cognito: {
        signIn: ['sso'],
        domainPrefix: 'my-cognito-login',
        identityProviders: [
          neither,
          {
            ...saml,
            oidc: {
              issuer: 'https://idp.example.com',
              clientId: 'c',
              clientSecretArn:
                'arn:aws:secretsmanager:us-east-1:123456789012:secret:s'
            },
            saml: metadata
          },
          saml,
          { ...saml, name: 'identitycenter' }
        ]
      }
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          '"cognito.domainPrefix" must be lowercase letters'
        ),
        '"cognito.identityProviders[]" must be one of "saml" and "oidc"',
        '"cognito.identityProviders": "identitycenter" is listed twice'
      ])
    );
  });

  it('maps IdP groups to roles of the deployment and teams only', () => {
    const problems = problemsOf({
      cognito: {
        signIn: ['sso'],
        domainPrefix: 'example-mlflow',
        identityProviders: [
          {
            ...saml,
            groups: { everyone: ['root'], staff: ['readers', 'team a'] }
          }
        ]
      }
    });
    expect(problems).toEqual([
      '"cognito.identityProviders": "IdentityCenter" maps "everyone" to "root", which is neither a role nor a team (team-…)',
      '"cognito.identityProviders": "IdentityCenter" maps "staff" to "team a", which is neither a role nor a team (team-…)'
    ]);
  });

  it('keeps the OIDC client secret out of the file: a Secrets Manager ARN only', () => {
    const problems = problemsOf({
      cognito: {
        signIn: ['sso'],
        domainPrefix: 'example-mlflow',
        identityProviders: [
          {
            name: 'Okta',
            oidc: {
              issuer: 'http://idp.example.com',
              clientId: 'c',
              clientSecretArn: 'hunter2'
            },
            groupsAttribute: 'groups',
            groups: {}
          }
        ]
      }
    });
    expect(problems).toEqual([
      '"cognito.identityProviders[].oidc.issuer" must be an https:// URL',
      '"cognito.identityProviders[].oidc.clientSecretArn" must be the ARN of a Secrets Manager secret holding the client secret'
    ]);
  });

  it('reads a SAML metadata file relative to the configuration file, which must exist', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-'));
    const file = path.join(dir, 'deploy.json');
    const withFile = (metadataFile: string) =>
      fs.writeFileSync(
        file,
        JSON.stringify({
          cognito: {
            signIn: ['sso'],
            domainPrefix: 'example-mlflow',
            identityProviders: [{ ...saml, saml: { metadataFile } }]
          }
        })
      );
    withFile('idp.xml');
    expect(() => readDeploymentConfig(file)).toThrow(
      `the SAML metadata file ${path.join(dir, 'idp.xml')} does not exist`
    );
    fs.writeFileSync(path.join(dir, 'idp.xml'), '<EntityDescriptor/>');
    expect(
      readDeploymentConfig(file).cognito.identityProviders[0].saml?.metadataFile
    ).toBe(path.join(dir, 'idp.xml'));
  });
});

describe('the JSON Schema of the deployment configuration', () => {
  const schema = JSON.parse(fs.readFileSync(DEPLOY_SCHEMA_FILE, 'utf-8'));
  const validate = new Ajv({ allErrors: true }).compile(schema);

  it('is what the configuration’s schema generates (npm run schema)', () => {
    expect(fs.readFileSync(DEPLOY_SCHEMA_FILE, 'utf-8')).toBe(
      deploymentConfigJsonSchema()
    );
  });

  it('is named by the example, which it accepts', () => {
    const example = JSON.parse(fs.readFileSync(EXAMPLE_FILE, 'utf-8'));
    expect(example.$schema).toBe(
      `./${path.relative(path.dirname(EXAMPLE_FILE), DEPLOY_SCHEMA_FILE)}`
    );
    expect(validate(example)).toBe(true);
  });

  it('lets an editor flag unknown settings, wrong values and missing fields', () => {
    expect(validate({ colour: 'blue' })).toBe(false);
    expect(validate({ cognito: { mfa: 'sometimes' } })).toBe(false);
    expect(validate({ logRetentionDays: 42 })).toBe(false);
    expect(validate({ studio: { users: [{ name: 'ann' }] } })).toBe(false);
    expect(validate({ mlflow: { cpu: 1024, memoryMiB: 4096 } })).toBe(true);
  });
});
