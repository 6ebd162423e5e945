import { Command, InvalidArgumentError, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  LOCAL_DIR,
  REPO_ROOT,
  SERVICES,
  type ServiceName,
  portEnvName,
  portFlag,
  resolvePorts
} from './config';
import {
  DATABASE_KINDS,
  DEFAULT_DATABASE,
  POSTGRES_PORT_ENV,
  POSTGRES_PORT_FLAG,
  forgetPostgres,
  parseDatabaseKind,
  postgresServer,
  resolvePostgresPort
} from './postgres';
import { StartupError } from './processes';
import { down, startOne, status, stopOne, up } from './stackctl';
import { type StackDescription, roleOf } from './stack';

const say = (line: string) => console.log(line);

function describe(stack: StackDescription): string {
  const lab = `${stack.jupyterlab}/lab?token=${stack.jupyterlabToken}`;
  const entries = Object.entries(stack.users);
  const roleWidth = Math.max(
    ...entries.map(([key, user]) => roleOf(key, user).length)
  );
  const nameWidth = Math.max(
    ...entries.map(([, user]) => user.username.length)
  );
  const users = entries
    .map(([key, user]) => {
      const teams = user.teams.length > 0 ? `  (${user.teams.join(', ')})` : '';
      return `    ${roleOf(key, user).padEnd(roleWidth)}  ${user.username.padEnd(nameWidth)}  ${user.password}${teams}`;
    })
    .join('\n');
  return [
    '',
    'The local stack is up.',
    `  JupyterLab   ${lab}`,
    `  MLflow UI    ${stack.gateway}  (through the gateway)`,
    `  MLflow       ${stack.mlflow}  (direct: refuses what lacks the gateway's proof, but /health)`,
    `  Audit log    ${path.relative(REPO_ROOT, stack.auditLog)}`,
    `  Database     ${stack.database?.kind ?? 'sqlite'}`,
    `  Cognito      ${stack.cognito.endpoint}  pool ${stack.cognito.userPoolId}, client ${stack.cognito.clientId}`,
    `  Org IdP      ${stack.sso.issuer}  (SSO as ${stack.sso.provider}: ${Object.values(
      stack.sso.users
    )
      .map(user => user.username)
      .join(', ')})`,
    '  Sign-ins (role, username, password):',
    users,
    `  Everything, access keys included: ${path.relative(REPO_ROOT, path.join(LOCAL_DIR, 'stack.json'))}`,
    '  Stop it with: npm run local -- down',
    ''
  ].join('\n');
}

function portOptions(command: Command): Command {
  for (const service of SERVICES) {
    command.addOption(
      new Option(
        `${portFlag(service)} <port>`,
        `port of ${service} (or ${portEnvName(service)})`
      )
    );
  }
  return command;
}

async function main(): Promise<void> {
  const program = new Command('local')
    .description(
      'The sagemaker-studio-mlflow stack on this machine, on 127.0.0.1 (for development only).'
    )
    .showHelpAfterError();

  portOptions(
    program
      .command('up')
      .description(
        'start MLflow, cognito-local, the gateway and JupyterLab in the background'
      )
      .option('--fresh', 'forget the data and sign-ins of earlier runs first')
      .option(
        '--db <kind>',
        `MLflow's database: ${DATABASE_KINDS.join(' or ')} (default ${DEFAULT_DATABASE})`
      )
      .option(
        `${POSTGRES_PORT_FLAG} <port>`,
        `port of postgres, with --db postgres (or ${POSTGRES_PORT_ENV})`
      )
  ).action(async (options: Record<string, string | boolean | undefined>) => {
    const flags: Partial<Record<ServiceName, string>> = {};
    for (const service of SERVICES) {
      flags[service] = options[`${service}Port`] as string | undefined;
    }
    const ports = resolvePorts(flags);
    const database = parseDatabaseKind(options.db as string | undefined);
    const postgresPort = resolvePostgresPort(
      options.postgresPort as string | undefined
    );
    if (options.fresh) {
      await down(say);
      forgetPostgres(postgresServer(0, ''));
      fs.rmSync(LOCAL_DIR, { recursive: true, force: true });
      say('Forgot the earlier data and sign-ins.');
    }
    const stack = await up(ports, say, { database, postgresPort });
    say(describe(stack));
  });

  program
    .command('down')
    .description(
      'stop every process of the local stack (the data stays for the next up)'
    )
    .action(async () => {
      const stopped = await down(say);
      say(
        stopped > 0
          ? 'The local stack is down.'
          : 'The local stack was not running.'
      );
    });

  const serviceArgument = (command: Command): Command =>
    command.argument(
      '<service>',
      `one of ${SERVICES.join(', ')}`,
      (value: string): ServiceName => {
        if (!(SERVICES as readonly string[]).includes(value)) {
          throw new InvalidArgumentError(`one of ${SERVICES.join(', ')}`);
        }
        return value as ServiceName;
      }
    );
  serviceArgument(
    program
      .command('stop')
      .description('stop one service of the running stack (the others stay up)')
  ).action(async (service: ServiceName) => {
    await stopOne(service, say);
    say(
      `${service} is stopped; start it again with: npm run local -- start ${service}`
    );
  });
  serviceArgument(
    program
      .command('start')
      .description('start one stopped service of the running stack again')
  ).action(async (service: ServiceName) => {
    await startOne(service, say);
    say(`${service} answers.`);
  });

  program
    .command('status')
    .description('tell what runs; exits 0 only when every part answers')
    .action(async () => {
      const { stack, services, database, strays } = await status();
      if (!stack) {
        say(
          strays > 0
            ? `The local stack is down, but ${strays} of its processes still run: npm run local -- down`
            : 'The local stack is down.'
        );
        process.exitCode = strays > 0 ? 1 : 3;
        return;
      }
      const stateOf = (s: { answering: boolean; running: boolean }) =>
        s.answering
          ? 'answering'
          : s.running
            ? 'running, not answering'
            : 'stopped';
      for (const s of services) {
        say(`${s.service.padEnd(11)} ${s.url.padEnd(24)} ${stateOf(s)}`);
      }
      if (database) {
        say(
          `${'postgres'.padEnd(11)} ${database.address.padEnd(24)} ${stateOf(database)}`
        );
      }
      const healthy =
        services.every(s => s.answering) && (database?.answering ?? true);
      if (healthy) {
        say(describe(stack));
      }
      process.exitCode = healthy ? 0 : 1;
    });

  await program.parseAsync(process.argv);
}

main().catch(error => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof StartupError) {
    console.error(
      `(logs: ${path.relative(REPO_ROOT, path.join(LOCAL_DIR, 'logs'))}/)`
    );
  }
  process.exit(1);
});
