import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  InvalidTargetError,
  deploymentTarget,
  loadTarget,
  localStackTarget,
  regionOfGatewayUrl
} from '../../verify/target';

const LOCAL_STACK = {
  gateway: 'http://127.0.0.1:5580',
  mlflow: 'http://127.0.0.1:5500',
  region: 'us-east-1',
  cognito: { endpoint: 'http://127.0.0.1:9229' },
  users: {
    readers: {
      username: 'reader',
      password: 'Pw-1!',
      accessKeyId: 'AKIAREADER',
      secretAccessKey: 'secret'
    }
  }
};

const OUTPUTS = {
  'mlflow-prod': {
    GatewayUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/',
    UserPoolId: 'eu-west-1_AbC',
    CrossAccountRoleReaders: 'arn:aws:iam::111122223333:role/x'
  }
};
const FILES = { outputs: 'outputs.json', credentials: 'verify.json' };

describe('the local stack', () => {
  it('gives each role its keys and its user', () => {
    const target = localStackTarget(LOCAL_STACK, '.local/stack.json');
    expect(target.gatewayUrl).toBe('http://127.0.0.1:5580');
    expect(target.region).toBe('us-east-1');
    expect(target.roles.readers).toEqual({
      iam: {
        kind: 'keys',
        accessKeyId: 'AKIAREADER',
        secretAccessKey: 'secret'
      },
      user: { username: 'reader', password: 'Pw-1!' }
    });
  });
});

describe('a deployment', () => {
  it('takes the gateway from the outputs and the access from the credentials file', () => {
    const target = deploymentTarget(
      OUTPUTS,
      {
        roles: {
          readers: {
            iam: { roleArn: 'arn:aws:iam::111122223333:role/x' },
            user: { username: 'verify-readers', password: 'pw' }
          },
          admins: { iam: { profile: 'mlflow-admins' } },
          'model-approvers': { iam: { environment: true } }
        }
      },
      FILES
    );
    expect(target.gatewayUrl).toBe(OUTPUTS['mlflow-prod'].GatewayUrl);
    expect(target.region).toBe('eu-west-1');
    expect(target.roles.readers.iam).toEqual({
      kind: 'assume-role',
      roleArn: 'arn:aws:iam::111122223333:role/x',
      sourceIdentity: 'mlflow-verify'
    });
    expect(target.roles.admins).toEqual({
      iam: { kind: 'profile', profile: 'mlflow-admins' }
    });
    expect(target.roles['model-approvers'].iam).toEqual({ kind: 'profile' });
  });

  it('needs the stack named when the outputs hold several', () => {
    const two = { ...OUTPUTS, other: OUTPUTS['mlflow-prod'] };
    expect(() => deploymentTarget(two, { roles: {} }, FILES)).toThrow(
      /several stacks \(mlflow-prod, other\)/
    );
    expect(
      deploymentTarget(two, { stack: 'other', roles: {} }, FILES).description
    ).toContain('stack other');
  });

  it('refuses a credentials file that is not of the schema, saying where', () => {
    expect(() =>
      deploymentTarget(
        OUTPUTS,
        { roles: { readers: { iam: { roleArn: 'not-an-arn' } } } },
        FILES
      )
    ).toThrow(InvalidTargetError);
    expect(() =>
      deploymentTarget(
        OUTPUTS,
        { roles: { readers: { user: { username: 'u' } } } },
        FILES
      )
    ).toThrow(/verify\.json/);
  });

  it('refuses outputs without a gateway', () => {
    expect(() =>
      deploymentTarget({ Other: { Foo: 'x' } }, { roles: {} }, FILES)
    ).toThrow(/no stack with a GatewayUrl/);
  });

  it('reads the region from an execute-api URL only', () => {
    expect(
      regionOfGatewayUrl(
        'https://a1.execute-api.us-gov-west-1.amazonaws.com/p/'
      )
    ).toBe('us-gov-west-1');
    expect(regionOfGatewayUrl('https://mlflow.example.com/')).toBeUndefined();
  });
});

describe('loadTarget', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-target-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, value: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(value));
    return file;
  };

  it('tells the two kinds of file apart by their shape', () => {
    expect(loadTarget(write('stack.json', LOCAL_STACK)).description).toMatch(
      /^the local stack/
    );
    const outputs = write('outputs.json', OUTPUTS);
    expect(() => loadTarget(outputs)).toThrow(/give --credentials/);
    expect(
      loadTarget(outputs, write('credentials.json', { roles: {} })).description
    ).toMatch(/^stack mlflow-prod/);
  });
});
