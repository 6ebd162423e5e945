/**
 * `npm run verify -- --target <file>`: proves that a gateway decides as
 * the permission model says, against the local stack or a deployment.
 * Prints a table and exits 1 on any false allow, 2 on other failures.
 * docs/operations.md, "Verify a deployment", says how to run it on AWS.
 */
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  PAGES_CONFIG_FILE,
  PAGES_PREFIX,
  type PagesConfig
} from '../src/contract';
import { PATHS } from '../local/config';
import { compileRoles } from '../src/permissions';
import { loadPermissionsConfig } from '../src/permissions/config';
import type { PermissionsConfig } from '../src/permissions/roles';
import { awsCredentials } from './aws-credentials';
import { planChecks, runIdOf } from './checks';
import { send } from './http';
import { formatFailures, formatSummary, formatTable } from './report';
import { runChecks } from './run';
import { accessToken } from './sign-in';
import { type Target, loadTarget } from './target';
import { exitCode } from './verdict';

/**
 * The roles the target was given: a roles file (`{"roles": [...]}`, as
 * `infra/roles.json`) or a deployment configuration (its `permissions`).
 */
async function loadPermissions(file: string): Promise<PermissionsConfig> {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (Array.isArray((json as { roles?: unknown } | null)?.roles)) {
    return loadPermissionsConfig(file);
  }
  const { readDeploymentConfig } = await import('../cdk/config');
  return readDeploymentConfig(file).permissions;
}

async function pagesConfig(base: URL): Promise<PagesConfig> {
  const answer = await send(base, {
    method: 'GET',
    path: `${PAGES_PREFIX}${PAGES_CONFIG_FILE}`,
    headers: {}
  });
  if (answer.status !== 200) {
    throw new Error(
      `${PAGES_PREFIX}${PAGES_CONFIG_FILE} answered ${answer.status}: is ${base.href} the gateway?`
    );
  }
  return JSON.parse(answer.body) as PagesConfig;
}

async function settle<T>(work: () => Promise<T>): Promise<T | Error> {
  try {
    return await work();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** A path as the caller wrote it: npm runs the script in infra/, not where it was typed. */
function callerPath(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

/** Keeps an enrolled user's TOTP secret in the operator's credentials file. */
function keepTotpSecret(file: string, role: string, secret: string): void {
  const credentials = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    roles: Record<string, { user?: Record<string, string> }>;
  };
  const user = credentials.roles[role]?.user;
  if (user !== undefined) {
    user.totpSecret = secret;
    fs.writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', {
      mode: 0o600
    });
    console.log(`  ${role}: MFA set up; its TOTP secret is now in ${file}`);
  }
}

async function verify(given: {
  target: string;
  credentials?: string;
  config?: string;
  enrolMfa?: boolean;
}): Promise<number> {
  const options = {
    target: callerPath(given.target),
    credentials:
      given.credentials === undefined
        ? undefined
        : callerPath(given.credentials),
    config: given.config === undefined ? undefined : callerPath(given.config)
  };
  const target: Target = loadTarget(options.target, options.credentials);
  if (options.config !== undefined && !fs.existsSync(options.config)) {
    throw new Error(`--config ${options.config}: no such file`);
  }
  // The local stack reads infra/roles.json when it starts (if there is one).
  const rolesFile =
    options.config ??
    (target.kind === 'local' && fs.existsSync(PATHS.rolesConfig)
      ? PATHS.rolesConfig
      : undefined);
  const permissions =
    rolesFile === undefined ? {} : await loadPermissions(rolesFile);
  const roles = compileRoles(permissions);
  const base = new URL(target.gatewayUrl);
  const pages = await pagesConfig(base);
  console.log(
    `Verifying ${target.description}: ${base.href}\n` +
      `  roles: ${[...roles.keys()].join(', ')} (${rolesFile ?? 'built-in only; --config names a deployment configuration'})\n` +
      `  allowed origins: ${pages.allowedOrigins.join(', ') || 'none'}\n`
  );
  for (const role of Object.keys(target.roles)) {
    if (!roles.has(role)) {
      console.log(`  ${role}: not a role of the permission model; ignored`);
    }
  }

  const iam = new Map<
    string,
    Awaited<ReturnType<typeof awsCredentials>> | Error
  >();
  const tokens = new Map<string, string | Error>();
  await Promise.all(
    [...roles.keys()].map(async role => {
      const access = target.roles[role];
      if (access?.iam !== undefined) {
        const iamAccess = access.iam;
        iam.set(
          role,
          await settle(() => awsCredentials(iamAccess, target.region))
        );
      }
      if (access?.user !== undefined) {
        const user = access.user;
        const credentialsFile = options.credentials;
        const enrol =
          given.enrolMfa && credentialsFile !== undefined
            ? (secret: string) => keepTotpSecret(credentialsFile, role, secret)
            : undefined;
        tokens.set(
          role,
          await settle(() => accessToken(pages.cognito, user, enrol))
        );
      }
    })
  );
  const plan = planChecks({
    roles,
    credentials: Object.fromEntries(
      [...roles.keys()].map(role => [
        role,
        { iam: iam.has(role), token: tokens.has(role) }
      ])
    ),
    runId: runIdOf(new Date()),
    allowedOrigins: pages.allowedOrigins
  });
  const rows = await runChecks(plan, {
    base,
    region: target.region,
    iam,
    tokens
  });
  console.log(formatTable(rows));
  const failures = formatFailures(rows);
  if (failures.length > 0) {
    console.log(`\n${failures.join('\n')}`);
  }
  console.log(`\n${formatSummary(rows)}`);
  return exitCode(rows);
}

async function main(): Promise<void> {
  const program = new Command('verify')
    .description(
      'Send every role’s allowed and refused requests, bad credentials and path tricks through the gateway, and check its CORS and framing headers.'
    )
    .requiredOption(
      '--target <file>',
      'the local stack’s .local/stack.json, or a deployment’s cdk outputs file'
    )
    .option(
      '--credentials <file>',
      'for a deployment: per role, how to sign and which test user to sign in as'
    )
    .option(
      '--config <file>',
      'the roles the target runs with: a deployment configuration or a roles file (default: infra/roles.json for the local stack)'
    )
    .option(
      '--enrol-mfa',
      'for a deployment: set up an authenticator for each user the pool asks to, and keep its secret in the credentials file'
    )
    .showHelpAfterError();
  program.parse(process.argv);
  const options = program.opts<{
    target: string;
    credentials?: string;
    config?: string;
    enrolMfa?: boolean;
  }>();
  process.exitCode = await verify(options);
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
});
