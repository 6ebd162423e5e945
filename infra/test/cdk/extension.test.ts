import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Template } from 'aws-cdk-lib/assertions';

import {
  LIFECYCLE_SCRIPT,
  STUDIO_LIFECYCLE_LIMIT,
  wheelName
} from '../../cdk/extension';
import { buildStack } from '../support/cdk';
import {
  DEPLOYED_IDS,
  deploymentRefs,
  resolveIntrinsics
} from '../support/intrinsics';

type Resource = { Properties: Record<string, any> };

describe('the lifecycle configuration that installs the extension', () => {
  const { stack } = buildStack({
    studio: { users: [{ name: 'alice', role: 'readers' }] }
  });
  const template = Template.fromStack(stack);
  const refs = deploymentRefs(template);
  const [lccId, lcc] = Object.entries(
    template.findResources('AWS::SageMaker::StudioLifecycleConfig')
  )[0] as [string, Resource];
  const encoded = resolveIntrinsics(
    lcc.Properties.StudioLifecycleConfigContent,
    refs
  ) as string;
  const script = Buffer.from(encoded, 'base64').toString('utf-8');

  it('is one JupyterLab lifecycle configuration, run by default in every space of the domain', () => {
    template.resourceCountIs('AWS::SageMaker::StudioLifecycleConfig', 1);
    expect(lcc.Properties.StudioLifecycleConfigAppType).toBe('JupyterLab');
    const domain = Object.values(
      template.findResources('AWS::SageMaker::Domain')
    )[0] as Resource;
    const arn = { 'Fn::GetAtt': [lccId, 'StudioLifecycleConfigArn'] };
    expect(domain.Properties.DefaultUserSettings.JupyterLabAppSettings).toEqual(
      {
        LifecycleConfigArns: [arn],
        DefaultResourceSpec: { LifecycleConfigArn: arn }
      }
    );
  });

  it('runs the script of lifecycle-config/ with this deployment’s values in front', () => {
    const body = fs
      .readFileSync(LIFECYCLE_SCRIPT, 'utf-8')
      .replace(/^#!.*\n/, '');
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script.endsWith(body)).toBe(true);
    const values = Object.fromEntries(
      [...script.matchAll(/^(MLFLOW_[A-Z0-9_]+)='([^']*)'$/gm)].map(m => [
        m[1],
        m[2]
      ])
    );
    expect(values).toEqual({
      // The asset's key (a .whl once the wheel is built: see below).
      MLFLOW_EXTENSION_WHEEL: expect.stringMatching(
        /^s3:\/\/cdk-[a-z0-9]+-assets-123456789012-us-east-1\/[0-9a-f]{64}\.\w+$/
      ),
      MLFLOW_EXTENSION_WHEEL_NAME: wheelName(),
      // Bundling is skipped here: no wheel, no digest, nothing installed.
      MLFLOW_EXTENSION_WHEEL_SHA256: '',
      MLFLOW_GATEWAY_URL: `https://${DEPLOYED_IDS.restApi}.execute-api.us-east-1.amazonaws.com/prod/`,
      MLFLOW_COGNITO_REGION: 'us-east-1',
      MLFLOW_USER_POOL_ID: DEPLOYED_IDS.userPool,
      MLFLOW_USER_POOL_CLIENT_ID: DEPLOYED_IDS.userPoolClient
    });
    expect(script).toContain(`export ${Object.keys(values).join(' ')}\n`);
  });

  it('fits in Studio’s limit with a deployment’s values', () => {
    expect(encoded.length).toBeLessThanOrEqual(STUDIO_LIFECYCLE_LIMIT);
  });

  it('lets the execution roles read the wheel and nothing broader', () => {
    const roles = Object.entries(
      template.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [{ Principal: { Service: 'sagemaker.amazonaws.com' } }]
          }
        }
      })
    );
    expect(roles.length).toBe(3);
    const wheel = resolveIntrinsics(
      /^s3:\/\/([^']+)$/.exec(
        /MLFLOW_EXTENSION_WHEEL='([^']*)'/.exec(script)![1]
      )![1],
      refs
    );
    for (const [roleId] of roles) {
      const statements = Object.values(
        template.findResources('AWS::IAM::Policy')
      )
        .filter(policy =>
          (policy as Resource).Properties.Roles.some(
            (ref: { Ref: string }) => ref.Ref === roleId
          )
        )
        .flatMap(
          policy =>
            resolveIntrinsics(
              (policy as Resource).Properties.PolicyDocument.Statement,
              refs
            ) as { Action: string | string[] }[]
        )
        // Of S3; the role's own iam:PassRole is studio.test.ts's.
        .filter(statement =>
          [statement.Action].flat().some(action => action.startsWith('s3:'))
        );
      expect(statements).toEqual([
        {
          Action: 's3:GetObject',
          Effect: 'Allow',
          Resource: `arn:aws:s3:::${wheel}`
        }
      ]);
    }
  });
});

describe('the published wheel', () => {
  it('is the extension’s wheel, built the same on every synthesis (so the configuration changes only with the sources)', () => {
    const wheels = [1, 2].map(() => {
      const { app, stack } = buildStack({}, { bundle: true });
      const assembly = app.synth();
      const assets = JSON.parse(
        fs.readFileSync(
          path.join(assembly.directory, 'Test.assets.json'),
          'utf-8'
        )
      ) as {
        files: Record<string, { source: { path: string; packaging: string } }>;
      };
      const found = Object.entries(assets.files).filter(([, file]) =>
        file.source.path.endsWith('.whl')
      );
      expect(found).toHaveLength(1);
      const [hash, file] = found[0];
      expect(file.source.packaging).toBe('file');
      const bytes = fs.readFileSync(
        path.join(assembly.directory, file.source.path)
      );
      // A wheel is a zip archive holding the prebuilt extension.
      expect(bytes.subarray(0, 2).toString()).toBe('PK');
      expect(
        bytes.includes(
          Buffer.from(
            'share/jupyter/labextensions/sagemaker-studio-mlflow/package.json'
          )
        )
      ).toBe(true);
      // The lifecycle configuration fetches exactly that object, and
      // installs it only with exactly these bytes.
      const script = JSON.stringify(stack.resolve(stack.extension.script));
      expect(script).toContain(`/${hash}.whl`);
      expect(script).toContain(
        `MLFLOW_EXTENSION_WHEEL_SHA256='${createHash('sha256').update(bytes).digest('hex')}'`
      );
      return hash;
    });
    expect(wheels[0]).toBe(wheels[1]);
  });
});
