/**
 * How every Studio user gets the extension: the wheel published as an S3
 * asset, and a JupyterLab lifecycle configuration (the script of
 * `lifecycle-config/`, this deployment's values in front of it) that
 * installs and configures it on every start of a space. The execution
 * roles may read the wheel and nothing else of the assets bucket. The same
 * wheel goes into MLflow's image (its server app).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  Annotations,
  AssetHashType,
  AssetStaging,
  Aws,
  BundlingOutput,
  DockerImage,
  Fn,
  Stack
} from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';

const REPO_ROOT = path.join(__dirname, '..', '..');

/** The lifecycle script the configuration runs. */
export const LIFECYCLE_SCRIPT = path.join(
  REPO_ROOT,
  'lifecycle-config',
  'install-extension.sh'
);

/** Studio's limit on a lifecycle configuration: characters of its base64. */
export const STUDIO_LIFECYCLE_LIMIT = 16_384;

/** The wheel's file name, which pip needs (the asset's S3 key is a hash). */
export function wheelName(): string {
  const { version } = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf-8')
  ) as { version: string };
  return `sagemaker_studio_mlflow-${version}-py3-none-any.whl`;
}

/**
 * What the reachability probe (`python -m sagemaker_studio_mlflow.reachability`)
 * tries directly from a space: none of it may answer, only the gateway.
 */
export interface DirectMlflowAddresses {
  /** MLflow's internal load balancer, `<DNS name>:<listener port>`. */
  readonly loadBalancer: string;
  /** The port MLflow listens on in its tasks. */
  readonly mlflowPort: number;
  /** The CIDRs of the subnets MLflow's tasks run in; empty where synthesis cannot know them. */
  readonly taskSubnetCidrs: readonly string[];
}

/**
 * Our Python package's wheel (the extension, the SDK's signer, MLflow's
 * server app), built once per synthesis: Studio installs it from its S3
 * asset, MLflow's image from its build context.
 */
export class PackageWheel extends Construct {
  readonly asset: s3assets.Asset;
  /** Its file name, which pip needs (the asset's S3 key is a hash). */
  readonly name: string;
  /**
   * The wheel as built for this synthesis; undefined when bundling was
   * skipped (a stack `cdk` does not deploy).
   */
  readonly file: string | undefined;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.name = wheelName();
    this.asset = new s3assets.Asset(this, 'Asset', {
      path: REPO_ROOT,
      // The wheel builds reproducibly (hatchling): same sources, same hash.
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never pulled: the wheel is built locally or not at all.
        image: DockerImage.fromRegistry('python:3.11-slim'),
        outputType: BundlingOutput.SINGLE_FILE,
        local: { tryBundle: outputDir => buildWheel(outputDir, this.name) }
      }
    });
    const staging = this.asset.node.findChild('Stage') as AssetStaging;
    const staged = staging.absoluteStagedPath;
    this.file =
      staged.endsWith('.whl') && fs.statSync(staged).isFile()
        ? staged
        : undefined;
  }

  /**
   * The sha256 of the wheel as built for this synthesis; empty when
   * bundling was skipped.
   */
  sha256(): string {
    return this.file === undefined
      ? ''
      : createHash('sha256').update(fs.readFileSync(this.file)).digest('hex');
  }
}

export interface ExtensionInstallProps {
  /** The package's wheel the spaces install. */
  readonly wheel: PackageWheel;
  /** Names the lifecycle configuration `<deploymentName>-mlflow-<digest of its content>`. */
  readonly deploymentName: string;
  /** The extension's `gatewayUrl` (and the SDK's tracking URI). */
  readonly gatewayUrl: string;
  /** The user pool the extension signs users in with. */
  readonly userPool: cognito.IUserPool;
  /** Its app client for browsers. */
  readonly client: cognito.IUserPoolClient;
  /** The roles Studio's spaces run as: they fetch the wheel. */
  readonly executionRoles: readonly iam.IRole[];
  /** Written for the reachability probe. */
  readonly directAddresses: DirectMlflowAddresses;
}

export class ExtensionInstall extends Construct {
  readonly wheel: s3assets.Asset;
  /** The wheel's S3 object, which every space reads. */
  readonly wheelArn: string;
  readonly lifecycleConfig: sagemaker.CfnStudioLifecycleConfig;
  /** The script as Studio runs it, tokens unresolved. */
  readonly script: string;

  constructor(scope: Construct, id: string, props: ExtensionInstallProps) {
    super(scope, id);
    const { deploymentName, gatewayUrl, userPool, client, directAddresses } =
      props;
    this.wheel = props.wheel.asset;

    const settings: Record<string, string> = {
      MLFLOW_EXTENSION_WHEEL: this.wheel.s3ObjectUrl,
      MLFLOW_EXTENSION_WHEEL_NAME: props.wheel.name,
      // The script installs no other file from the asset's key; with no
      // wheel built (bundling skipped), nothing.
      MLFLOW_EXTENSION_WHEEL_SHA256: props.wheel.sha256(),
      MLFLOW_GATEWAY_URL: gatewayUrl,
      MLFLOW_COGNITO_REGION: Stack.of(this).region,
      MLFLOW_USER_POOL_ID: userPool.userPoolId,
      MLFLOW_USER_POOL_CLIENT_ID: client.userPoolClientId,
      MLFLOW_LOAD_BALANCER: directAddresses.loadBalancer,
      MLFLOW_TASK_PORT: String(directAddresses.mlflowPort),
      MLFLOW_TASK_SUBNETS: directAddresses.taskSubnetCidrs.join(',')
    };
    const body = fs
      .readFileSync(LIFECYCLE_SCRIPT, 'utf-8')
      .replace(/^#!.*\n/, '');
    this.script = [
      '#!/bin/bash',
      '# The deployment’s values, written by the CDK app (sagemaker-studio-mlflow).',
      ...Object.entries(settings).map(([key, value]) => `${key}='${value}'`),
      `export ${Object.keys(settings).join(' ')}`,
      body
    ].join('\n');
    // The values add a few hundred characters; the body must leave room.
    const bodySize = Buffer.from(body).toString('base64').length;
    if (bodySize + 2048 > STUDIO_LIFECYCLE_LIMIT) {
      Annotations.of(this).addError(
        `${LIFECYCLE_SCRIPT} is ${bodySize} characters in base64; Studio takes ${STUDIO_LIFECYCLE_LIMIT} with the settings.`
      );
    }

    // A lifecycle configuration cannot be changed, only replaced: a new
    // name for each content lets CloudFormation create the new one first.
    const digest = createHash('sha256')
      .update(JSON.stringify(Stack.of(this).resolve(this.script)))
      .digest('hex')
      .slice(0, 8);
    this.lifecycleConfig = new sagemaker.CfnStudioLifecycleConfig(
      this,
      'LifecycleConfig',
      {
        studioLifecycleConfigName: `${deploymentName.slice(0, 40)}-mlflow-${digest}`,
        studioLifecycleConfigAppType: 'JupyterLab',
        studioLifecycleConfigContent: Fn.base64(this.script)
      }
    );

    this.wheelArn = `arn:${Aws.PARTITION}:s3:::${this.wheel.s3BucketName}/${this.wheel.s3ObjectKey}`;
    const readWheel = new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [this.wheelArn]
    });
    for (const role of props.executionRoles) {
      role.addToPrincipalPolicy(readWheel);
    }
  }
}

/** Builds the wheel into `outputDir` with .venv's build tools; throws saying what to run. */
function buildWheel(outputDir: string, name: string): boolean {
  const bin = path.join(REPO_ROOT, '.venv', 'bin');
  const built = spawnSync(
    path.join(bin, 'python'),
    ['-m', 'build', '--wheel', '--no-isolation', '--outdir', outputDir, '.'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf-8',
      // The build hook runs `jupyter labextension build`, from .venv too.
      env: {
        ...process.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`
      }
    }
  );
  if (built.status !== 0 || !fs.existsSync(path.join(outputDir, name))) {
    throw new Error(
      `Could not build the extension's wheel ${name}: run ./scripts/setup.sh in ${REPO_ROOT} first.\n${built.error ?? ''}${built.stdout ?? ''}${built.stderr ?? ''}`
    );
  }
  return true;
}
