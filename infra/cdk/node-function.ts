/**
 * Our Lambda functions, built alike: TypeScript bundled by esbuild, the
 * newest Node.js runtime on ARM, and a log group of their own with the
 * deployment's retention.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The Lambda runtime of our functions: the newest Node.js Lambda offers. */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface NodeFunctionOptions {
  readonly entry: string;
  readonly handler: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly retention: logs.RetentionDays;
  /** Commands run in the bundle's folder once esbuild is done. */
  readonly afterBundling?: (outputDir: string) => string[];
}

export function nodeFunction(
  scope: Construct,
  id: string,
  options: NodeFunctionOptions
): nodejs.NodejsFunction {
  const fn = new nodejs.NodejsFunction(scope, id, {
    entry: options.entry,
    handler: options.handler,
    description: options.description,
    runtime: NODE_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: Duration.seconds(10),
    environment: options.environment,
    logGroup: new logs.LogGroup(scope, `${id}Logs`, {
      retention: options.retention,
      removalPolicy: RemovalPolicy.DESTROY
    }),
    bundling: {
      minify: true,
      sourceMap: false,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir, outputDir) =>
          options.afterBundling?.(outputDir) ?? []
      }
    }
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'Only writes the function’s own logs (the AWS-managed basic execution policy).'
  });
  return fn;
}
