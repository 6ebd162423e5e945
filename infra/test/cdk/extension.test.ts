import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Template } from 'aws-cdk-lib/assertions';

import {
  LIFECYCLE_SCRIPT,
  STUDIO_LIFECYCLE_LIMIT,
  wheelName
} from '../../cdk/extension';
import { buildStack, templateOf } from '../support/cdk';
import {
  DEPLOYED_IDS,
  deployed,
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
      MLFLOW_USER_POOL_CLIENT_ID: DEPLOYED_IDS.userPoolClient,
      // What the reachability probe tries (below).
      MLFLOW_LOAD_BALANCER: expect.stringMatching(/\.DNSName:\d+$/),
      MLFLOW_TASK_PORT: expect.stringMatching(/^\d+$/),
      MLFLOW_TASK_SUBNETS: expect.stringMatching(/^[\d./,]+$/)
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
    // The three built-in roles' and alice's own.
    expect(roles.length).toBe(4);
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

/** The deployment's values the lifecycle configuration sets, resolved. */
function lifecycleValues(template: Template): Record<string, string> {
  const lcc = Object.values(
    template.findResources('AWS::SageMaker::StudioLifecycleConfig')
  )[0] as Resource;
  const script = Buffer.from(
    resolveIntrinsics(
      lcc.Properties.StudioLifecycleConfigContent,
      deploymentRefs(template)
    ) as string,
    'base64'
  ).toString('utf-8');
  return Object.fromEntries(
    [...script.matchAll(/^(MLFLOW_[A-Z0-9_]+)='([^']*)'$/gm)].map(m => [
      m[1],
      m[2]
    ])
  );
}

/** Where MLflow really is in a template: its load balancer, listener, task port and subnets. */
function mlflowAddresses(template: Template): {
  loadBalancer: string;
  mlflowPort: string;
  taskSubnetCidrs: string;
} {
  const refs = deploymentRefs(template);
  const only = (type: string): Resource => {
    const found = Object.values(template.findResources(type));
    expect(found).toHaveLength(1);
    return found[0] as Resource;
  };
  const [loadBalancerId] = Object.keys(
    template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer')
  );
  const listener = only('AWS::ElasticLoadBalancingV2::Listener');
  const service = only('AWS::ECS::Service');
  const task = only('AWS::ECS::TaskDefinition');
  return {
    loadBalancer: `${loadBalancerId}.DNSName:${listener.Properties.Port}`,
    mlflowPort: String(
      task.Properties.ContainerDefinitions[0].PortMappings[0].ContainerPort
    ),
    taskSubnetCidrs: (
      resolveIntrinsics(
        service.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets,
        refs
      ) as string[]
    )
      .map(id => {
        const subnet = template.toJSON().Resources[id] as Resource | undefined;
        // An existing VPC's subnet is an id, not a resource of the stack.
        return subnet?.Properties.CidrBlock as string | undefined;
      })
      .join(',')
  };
}

describe('what the reachability probe tries directly', () => {
  it('is MLflow’s load balancer on its listener’s port, and every address of its tasks’ subnets on MLflow’s port, in the lifecycle configuration and the outputs', () => {
    const template = templateOf({});
    const mlflow = mlflowAddresses(template);
    const taskSubnetCidrs = mlflow.taskSubnetCidrs;
    expect(taskSubnetCidrs).toMatch(/^10\.0\.\d+\.0\/22,10\.0\.\d+\.0\/22$/);
    expect(lifecycleValues(template)).toMatchObject({
      MLFLOW_LOAD_BALANCER: mlflow.loadBalancer,
      MLFLOW_TASK_PORT: mlflow.mlflowPort,
      MLFLOW_TASK_SUBNETS: taskSubnetCidrs
    });
    // For training jobs, which have no lifecycle configuration.
    const outputs = Object.fromEntries(
      Object.entries(template.findOutputs('*')).map(([id, output]) => [
        id,
        deployed(template, output.Value)
      ])
    );
    expect(outputs).toMatchObject({
      MlflowLoadBalancer: mlflow.loadBalancer,
      MlflowPort: mlflow.mlflowPort,
      MlflowTaskSubnetCidrs: taskSubnetCidrs
    });
  });

  it('leaves the task subnets out in an existing VPC, whose CIDRs synthesis does not know (the probe takes --subnet)', () => {
    const template = templateOf({
      vpc: {
        vpcId: 'vpc-0abc',
        cidrBlock: '10.1.0.0/16',
        privateSubnetIds: ['subnet-0a', 'subnet-0b'],
        availabilityZones: ['us-east-1a', 'us-east-1b']
      }
    });
    const mlflow = mlflowAddresses(template);
    expect(lifecycleValues(template)).toMatchObject({
      MLFLOW_LOAD_BALANCER: mlflow.loadBalancer,
      MLFLOW_TASK_PORT: mlflow.mlflowPort,
      MLFLOW_TASK_SUBNETS: ''
    });
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['MlflowLoadBalancer', 'MlflowPort'])
    );
    expect(template.findOutputs('MlflowTaskSubnetCidrs')).toEqual({});
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
