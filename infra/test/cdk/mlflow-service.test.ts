import * as fs from 'node:fs';
import * as path from 'node:path';

import { Match } from 'aws-cdk-lib/assertions';

import { testedMlflowVersion } from '../../cdk/config';
import { MLFLOW_PORT } from '../../cdk/mlflow-service';
import { buildStack, templateOf } from '../support/cdk';
import { DEPLOYED_IDS, deployed } from '../support/intrinsics';

const STUDIO = 'https://d-abc123.studio.us-east-1.sagemaker.aws';

describe('MLflow on Fargate', () => {
  const template = templateOf({
    studio: { origins: [STUDIO] },
    mlflow: { cpu: 2048, memoryMiB: 4096, minTasks: 2, maxTasks: 6 }
  });
  const taskDefinitions = Object.values(
    template.findResources('AWS::ECS::TaskDefinition')
  );
  const container = taskDefinitions[0].Properties.ContainerDefinitions[0];
  const environment: Record<string, unknown> = Object.fromEntries(
    container.Environment.map((e: { Name: string; Value: unknown }) => [
      e.Name,
      e.Value
    ])
  );

  it('runs the tested MLflow release, sized by the configuration', () => {
    expect(taskDefinitions).toHaveLength(1);
    expect(taskDefinitions[0].Properties).toMatchObject({
      Cpu: '2048',
      Memory: '4096',
      RequiresCompatibilities: ['FARGATE']
    });
    // The image is built from infra/mlflow-image with the tested release.
    const { app } = buildStack();
    const assembly = app.synth();
    const assets = JSON.parse(
      fs.readFileSync(
        path.join(assembly.directory, 'Test.assets.json'),
        'utf-8'
      )
    );
    const images = Object.values(assets.dockerImages) as {
      source: { directory: string; dockerBuildArgs: Record<string, string> };
    }[];
    expect(images).toHaveLength(1);
    expect(images[0].source.dockerBuildArgs).toEqual({
      MLFLOW_VERSION: testedMlflowVersion()
    });
    expect(
      fs.readFileSync(
        path.join(assembly.directory, images[0].source.directory, 'Dockerfile'),
        'utf-8'
      )
    ).toContain('mlflow==${MLFLOW_VERSION}');
  });

  it('gets the database password as an ECS secret; no secret value in the task definition or its environment', () => {
    expect(container.Secrets).toHaveLength(1);
    expect(container.Secrets[0].Name).toBe('DB_PASSWORD');
    expect(JSON.stringify(container.Secrets[0].ValueFrom)).toMatch(
      /DataDatabaseSecret.*:password::/
    );
    for (const name of Object.keys(environment)) {
      expect(name).not.toMatch(/PASSWORD|SECRET|TOKEN|KEY/);
    }
    expect(JSON.stringify(taskDefinitions)).not.toMatch(
      /postgresql:\/\/|SecretString|resolve:secretsmanager/
    );
    expect(container.Command).toBeUndefined();
  });

  it('configures MLflow’s security middleware for the gateway', () => {
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    // Studio's requests and the MLflow UI's own (on the gateway's origin).
    expect(
      deployed(template, environment.MLFLOW_SERVER_CORS_ALLOWED_ORIGINS)
    ).toBe(
      `${STUDIO},https://${DEPLOYED_IDS.restApi}.execute-api.us-east-1.amazonaws.com`
    );
    // Framed by Studio and the gateway only: MLflow's SAMEORIGIN is off,
    // and the entry point has uvicorn send frame-ancestors instead.
    expect(environment.MLFLOW_SERVER_X_FRAME_OPTIONS).toBe('NONE');
    expect(environment.CONTENT_SECURITY_POLICY).toBe(
      `frame-ancestors 'self' ${STUDIO}`
    );
    expect(JSON.stringify(environment.MLFLOW_SERVER_ALLOWED_HOSTS)).toContain(
      'DNSName'
    );
    expect(JSON.stringify(environment.MLFLOW_ARTIFACTS_DESTINATION)).toContain(
      's3://'
    );
  });

  it('runs in private subnets behind an internal load balancer with health checks', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' })
      },
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true }
      })
    });
    template.hasResourceProperties(
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      { Scheme: 'internal', Type: 'network' }
    );
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: MLFLOW_PORT,
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: '/health',
      TargetType: 'ip'
    });
    expect(container.HealthCheck.Command.join(' ')).toContain('/health');
  });

  it('scales between the configured task counts', () => {
    template.hasResourceProperties(
      'AWS::ApplicationAutoScaling::ScalableTarget',
      { MinCapacity: 2, MaxCapacity: 6 }
    );
  });

  it('lets only MLflow reach the database, and MLflow only its bucket’s artifacts', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      Description: 'MLflow reaches its backend store',
      SourceSecurityGroupId: Match.anyValue()
    });
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('MlflowTaskTaskRole'))
      .map(([, policy]) => policy.Properties.PolicyDocument.Statement);
    expect(policies).toHaveLength(1);
    const actions = policies[0].flatMap((s: { Action: string | string[] }) =>
      Array.isArray(s.Action) ? s.Action : [s.Action]
    );
    expect(actions.sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject'
    ]);
  });

  it('passes the AWS Solutions checks', () => {
    expect(() => buildStack().app.synth()).not.toThrow();
  });
});
