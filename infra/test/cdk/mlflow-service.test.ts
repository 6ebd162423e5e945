import * as fs from 'node:fs';
import * as path from 'node:path';

import { Match } from 'aws-cdk-lib/assertions';

import { AUDIT_DIR } from '../../cdk/audit-trail';
import { testedMlflowVersion } from '../../cdk/config';
import { wheelName } from '../../cdk/extension';
import {
  IMAGE_DIR,
  IMAGE_FILES,
  MLFLOW_PORT,
  RDS_CA_BUNDLE
} from '../../cdk/mlflow-service';
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
      RDS_CA_BUNDLE,
      PACKAGE_WHEEL: wheelName(),
      AUDIT_DIR
    });
    const staged = path.join(assembly.directory, images[0].source.directory);
    expect(fs.readFileSync(path.join(staged, 'Dockerfile'), 'utf-8')).toMatch(
      /pip install .*--require-hashes .*-r \/tmp\/requirements\.lock/
    );
    expect(
      fs.readFileSync(path.join(staged, 'requirements.lock'), 'utf-8')
    ).toContain(`\nmlflow==${testedMlflowVersion()} \\\n`);
  });

  it('refuses an MLflow version other than the one the image’s lock pins', () => {
    expect(() => buildStack({ mlflow: { version: '3.99.0' } })).toThrow(
      /"mlflow.version" is 3\.99\.0.*requirements\.lock.*scripts\/lock-python\.sh/
    );
  });

  it('connects to the database over TLS, verifying its certificate against the RDS certificate authorities in the image', () => {
    // libpq's own settings: psycopg2 (and so MLflow and its migrations) use them.
    expect(environment.PGSSLMODE).toBe('verify-full');
    expect(environment.PGSSLROOTCERT).toBe(RDS_CA_BUNDLE);
    const dockerfile = fs.readFileSync(
      path.join(IMAGE_DIR, 'Dockerfile'),
      'utf-8'
    );
    expect(dockerfile).toContain(
      'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem'
    );
    expect(dockerfile).toMatch(/"\$RDS_CA_BUNDLE_URL" "\$RDS_CA_BUNDLE"/);
  });

  it('gets the database password and the gateway’s proof as ECS secrets; no secret value in the task definition or its environment', () => {
    expect(
      container.Secrets.map((secret: { Name: string }) => secret.Name).sort()
    ).toEqual(['DB_PASSWORD', 'STUDIO_MLFLOW_GATEWAY_PROOF']);
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

  it('pins its base image by digest and every Python package by version and hash', () => {
    const dockerfile = fs.readFileSync(
      path.join(IMAGE_DIR, 'Dockerfile'),
      'utf-8'
    );
    const bases = dockerfile.match(/^FROM .*$/gm) ?? [];
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) {
      expect(base).toMatch(/^FROM [\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
    }
    // pip installs the lock, hash-checked, then our wheel from the build
    // context with no dependencies of its own: nothing from an index else.
    const installs = dockerfile.match(/pip install[^\n]*/g) ?? [];
    expect(installs).toEqual([
      'pip install --no-cache-dir --require-hashes --no-deps -r /tmp/requirements.lock \\',
      'pip install --no-cache-dir --no-deps "/tmp/wheel/$PACKAGE_WHEEL" \\'
    ]);
    const lock = fs.readFileSync(
      path.join(IMAGE_DIR, 'requirements.lock'),
      'utf-8'
    );
    const requirements = lock
      .split(/\n(?=\S)/)
      .filter(entry => !entry.startsWith('#'))
      .map(entry => entry.replace(/\n\s*#.*/g, '').trim())
      .filter(entry => entry !== '');
    expect(requirements.length).toBeGreaterThan(10);
    for (const requirement of requirements) {
      expect(requirement).toMatch(
        /^[A-Za-z0-9._-]+(\[[\w,-]+\])?==[\w.+!-]+ \\(\n {4}--hash=sha256:[0-9a-f]{64}( \\)?)+$/
      );
    }
    // Every package the image asks for is in the lock.
    const wanted = fs
      .readFileSync(path.join(IMAGE_DIR, 'requirements.in'), 'utf-8')
      .split('\n')
      .map(line =>
        line
          .replace(/#.*/, '')
          .replace(/\[.*\]/, '')
          .trim()
      )
      .filter(line => line !== '');
    const locked = requirements.map(r => r.split('==')[0].toLowerCase());
    for (const name of wanted) {
      expect(locked).toContain(name.toLowerCase());
    }
  });

  it('passes the AWS Solutions checks', () => {
    expect(() => buildStack().app.synth()).not.toThrow();
  });
});

describe('MLflow’s image build context', () => {
  /** The staged context of the image and the wheel Studio installs, of one synthesis. */
  function synthesized(options: { bundle: boolean }): {
    hash: string;
    files: string[];
    context: string;
    studioWheel?: Buffer;
  } {
    const assembly = buildStack({}, options).app.synth();
    const assets = JSON.parse(
      fs.readFileSync(
        path.join(assembly.directory, 'Test.assets.json'),
        'utf-8'
      )
    ) as {
      files: Record<string, { source: { path: string } }>;
      dockerImages: Record<string, { source: { directory: string } }>;
    };
    const [[hash, image]] = Object.entries(assets.dockerImages);
    const context = path.join(assembly.directory, image.source.directory);
    const wheel = Object.values(assets.files).find(file =>
      file.source.path.endsWith('.whl')
    );
    return {
      hash,
      context,
      files: fs.readdirSync(context).sort(),
      studioWheel:
        wheel &&
        fs.readFileSync(path.join(assembly.directory, wheel.source.path))
    };
  }

  it('holds the image’s files and the very wheel Studio installs, with the same hash on every synthesis', () => {
    const [first, second] = [1, 2].map(() => synthesized({ bundle: true }));
    expect(first.files).toEqual([...IMAGE_FILES, wheelName()].sort());
    expect(first.studioWheel).toBeDefined();
    expect(
      fs
        .readFileSync(path.join(first.context, wheelName()))
        .equals(first.studioWheel as Buffer)
    ).toBe(true);
    expect(second.hash).toBe(first.hash);
  });

  it('has every file the Dockerfile copies', () => {
    const { files, context } = synthesized({ bundle: false });
    const dockerfile = fs.readFileSync(
      path.join(context, 'Dockerfile'),
      'utf-8'
    );
    const sources = [...dockerfile.matchAll(/^COPY (\S+) /gm)].map(
      ([, source]) => source
    );
    expect(sources).toEqual([
      'requirements.lock',
      '${PACKAGE_WHEEL}',
      'entrypoint.py',
      'audit-follower.py'
    ]);
    for (const source of sources.filter(s => !s.startsWith('$'))) {
      expect(files).toContain(source);
    }
    // No wheel built (a stack not being deployed): the image is never built.
    expect(files).toEqual([...IMAGE_FILES].sort());
  });
});
