/**
 * What the verification runs against: a gateway, and for each role the
 * credentials that reach it over IAM (SigV4) and over tokens (a Cognito
 * user). Two kinds of file describe one:
 *
 * - the local stack's `.local/stack.json` (its gateway, and per built-in
 *   role the local IAM keys and the seeded Cognito user);
 * - a deployment's outputs (`cdk deploy --outputs-file outputs.json`) with
 *   a credentials file the operator writes ({@link credentialsFileSchema}).
 *
 * Which file it is, is read from its shape, not its name.
 */
import * as fs from 'node:fs';

import { z } from 'zod';

/** How a role's requests are signed (SigV4, service `execute-api`). */
export type IamAccess =
  /** Long-term keys, as the local stack gives each role. */
  | { kind: 'keys'; accessKeyId: string; secretAccessKey: string }
  /** An AWS profile of this machine (`~/.aws/config`), or the default chain when none. */
  | { kind: 'profile'; profile?: string }
  /** A role assumed with the profile's credentials (or the default chain). */
  | {
      kind: 'assume-role';
      roleArn: string;
      profile?: string;
      sourceIdentity: string;
    };

/** A Cognito user of the role: the token path signs in as them. */
export interface UserSignIn {
  username: string;
  password: string;
  /** The user's TOTP secret (base32), when the pool requires MFA. */
  totpSecret?: string;
}

export interface RoleAccess {
  iam?: IamAccess;
  user?: UserSignIn;
}

export interface Target {
  readonly kind: 'local' | 'deployment';
  /** What the report calls it: the file read, and the stack's name. */
  description: string;
  /** The gateway's base URL, a stage path included (`https://…/prod/`). */
  gatewayUrl: string;
  /** The region SigV4 signs for. */
  region: string;
  /** Access by role name; roles missing here are reported as not checked. */
  roles: Record<string, RoleAccess>;
}

const localStackSchema = z.object({
  gateway: z.string().url(),
  region: z.string(),
  users: z.record(
    z.string(),
    z.object({
      username: z.string(),
      password: z.string(),
      accessKeyId: z.string(),
      secretAccessKey: z.string(),
      /** Set for a further user of a role, keyed by its username. */
      role: z.string().optional()
    })
  )
});

/** One stack's outputs; only the gateway's URL is needed. */
const stackOutputsSchema = z.looseObject({ GatewayUrl: z.string().url() });

const iamAccessSchema = z.union([
  z
    .strictObject({
      profile: z
        .string()
        .describe(
          'An AWS profile of this machine whose credentials are the role’s.'
        )
    })
    .describe('Sign with a profile'),
  z
    .strictObject({
      environment: z
        .literal(true)
        .describe(
          'Sign with the default credentials of where verify runs (a Studio space or job of the role).'
        )
    })
    .describe('Sign with the environment'),
  z
    .strictObject({
      roleArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/)
        .describe(
          'A role to assume first, e.g. the CrossAccountRole<Role> output.'
        ),
      profile: z
        .string()
        .optional()
        .describe(
          'The profile that assumes it; the default credentials when absent.'
        ),
      sourceIdentity: z
        .string()
        .regex(/^[\w+=,.@-]{2,64}$/)
        .optional()
        .describe(
          'The source identity the session carries (cross-account roles require one); "mlflow-verify" when absent.'
        )
    })
    .describe('Assume a role')
]);

const userSchema = z.strictObject({
  username: z.string().min(1),
  password: z.string().min(1),
  totpSecret: z
    .string()
    .regex(/^[A-Z2-7]+=*$/i)
    .optional()
    .describe(
      'The base32 secret of the user’s authenticator app, when the pool requires MFA.'
    )
});

/**
 * The operator's credentials file for a deployment: per role, how to sign
 * (SigV4) and which test user to sign in as (tokens). Either may be left
 * out; what is missing is reported as not checked.
 */
export const credentialsFileSchema = z.strictObject({
  stack: z
    .string()
    .optional()
    .describe('The stack of the outputs file, when it has several.'),
  region: z
    .string()
    .optional()
    .describe('The region to sign for; read from GatewayUrl when absent.'),
  roles: z.record(
    z.string(),
    z.strictObject({
      iam: iamAccessSchema.optional(),
      user: userSchema.optional()
    })
  )
});
export type CredentialsFile = z.infer<typeof credentialsFileSchema>;

export const DEFAULT_SOURCE_IDENTITY = 'mlflow-verify';

export class InvalidTargetError extends Error {}

function parseOrThrow<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidTargetError(`${what}:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export function isLocalStack(json: unknown): boolean {
  return localStackSchema.safeParse(json).success;
}

/** The local stack: its gateway and every seeded role's keys and user. */
export function localStackTarget(json: unknown, file: string): Target {
  const stack = parseOrThrow(localStackSchema, json, file);
  const roles: Record<string, RoleAccess> = {};
  for (const [role, user] of Object.entries(stack.users)) {
    if (user.role !== undefined) {
      continue; // a further user of a role (keyed by username), not the role's own
    }
    roles[role] = {
      iam: {
        kind: 'keys',
        accessKeyId: user.accessKeyId,
        secretAccessKey: user.secretAccessKey
      },
      user: { username: user.username, password: user.password }
    };
  }
  return {
    kind: 'local',
    description: `the local stack (${file})`,
    gatewayUrl: stack.gateway,
    region: stack.region,
    roles
  };
}

/** `https://<api>.execute-api.<region>.amazonaws.com/<stage>/` → the region. */
export function regionOfGatewayUrl(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(
    new URL(url).hostname
  )?.[1];
}

/** A deployment: the gateway from its outputs, the access from the operator's file. */
export function deploymentTarget(
  outputsJson: unknown,
  credentialsJson: unknown,
  files: { outputs: string; credentials: string }
): Target {
  const credentials = parseOrThrow(
    credentialsFileSchema,
    credentialsJson,
    files.credentials
  );
  const stacks = parseOrThrow(
    z.record(z.string(), z.looseObject({})),
    outputsJson,
    files.outputs
  );
  const withGateway = Object.keys(stacks).filter(
    name => stackOutputsSchema.safeParse(stacks[name]).success
  );
  const name = credentials.stack ?? withGateway[0];
  if (
    name === undefined ||
    (credentials.stack === undefined && withGateway.length > 1)
  ) {
    throw new InvalidTargetError(
      withGateway.length > 1
        ? `${files.outputs} has several stacks (${withGateway.join(', ')}): name one as "stack" in ${files.credentials}.`
        : `${files.outputs} has no stack with a GatewayUrl output: is it the file of cdk deploy --outputs-file?`
    );
  }
  const outputs = parseOrThrow(
    stackOutputsSchema,
    stacks[name],
    `${files.outputs}: stack ${name}`
  );
  const region = credentials.region ?? regionOfGatewayUrl(outputs.GatewayUrl);
  if (region === undefined) {
    throw new InvalidTargetError(
      `The region of ${outputs.GatewayUrl} is not in its name: give "region" in ${files.credentials}.`
    );
  }
  const roles: Record<string, RoleAccess> = {};
  for (const [role, access] of Object.entries(credentials.roles)) {
    roles[role] = {
      ...(access.iam === undefined ? {} : { iam: iamAccessOf(access.iam) }),
      ...(access.user === undefined ? {} : { user: access.user })
    };
  }
  return {
    kind: 'deployment',
    description: `stack ${name} (${files.outputs})`,
    gatewayUrl: outputs.GatewayUrl,
    region,
    roles
  };
}

function iamAccessOf(
  access: NonNullable<CredentialsFile['roles'][string]['iam']>
): IamAccess {
  if ('roleArn' in access) {
    return {
      kind: 'assume-role',
      roleArn: access.roleArn,
      sourceIdentity: access.sourceIdentity ?? DEFAULT_SOURCE_IDENTITY,
      ...(access.profile === undefined ? {} : { profile: access.profile })
    };
  }
  return 'profile' in access
    ? { kind: 'profile', profile: access.profile }
    : { kind: 'profile' };
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidTargetError(
      `Cannot read ${file}: ${(error as Error).message}`
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidTargetError(
      `${file} is not JSON: ${(error as Error).message}`
    );
  }
}

/**
 * The target a `--target` file (and, for a deployment, a `--credentials`
 * file) describes.
 */
export function loadTarget(file: string, credentialsFile?: string): Target {
  const json = readJson(file);
  if (isLocalStack(json)) {
    return localStackTarget(json, file);
  }
  if (credentialsFile === undefined) {
    throw new InvalidTargetError(
      `${file} is not the local stack's file; for a deployment's outputs, give --credentials (docs/operations.md, "Verify a deployment").`
    );
  }
  return deploymentTarget(json, readJson(credentialsFile), {
    outputs: file,
    credentials: credentialsFile
  });
}
