import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  type RunningCognito,
  cognitoLocalLogger,
  startCognito
} from '../../local/cognito/provider';
import {
  type AccessKey,
  type LocalState,
  SEEDED_USERNAMES,
  completeSso
} from '../../local/stack';
import { BUILT_IN_ROLES } from '../../src/roles';

/** The operator's key of the test identity provider: its admin API wants it. */
export const TEST_OPERATOR: AccessKey = {
  accessKeyId: 'AKIATESTOPERATOR0001',
  secretAccessKey: 'test/operator+secret'
};

/**
 * cognito-local behind its bridge, in this process, with its data in a new
 * temporary directory. `stop` closes both, removes the directory and returns
 * to the working directory cognito-local needed changed.
 */
export async function startTestCognito(): Promise<{
  cognito: RunningCognito;
  port: number;
  stop: () => Promise<void>;
}> {
  const startedIn = process.cwd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-'));
  const cognito = await startCognito({
    directory: dir,
    port: 0,
    logger: cognitoLocalLogger('silent'),
    operator: TEST_OPERATOR
  });
  return {
    cognito,
    port: Number(new URL(cognito.url).port),
    stop: async () => {
      await cognito.close();
      process.chdir(startedIn);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** One user per built-in role, as the stack seeds them. */
export function seededUsers(): LocalState['users'] {
  const users: LocalState['users'] = {};
  for (const role of BUILT_IN_ROLES) {
    users[role] = {
      username: SEEDED_USERNAMES[role],
      password: `Pw-${role}-Aa1!x`,
      accessKeyId: 'unused',
      secretAccessKey: 'unused',
      teams: []
    };
  }
  return users;
}

/** A state as `up` keeps it, before the pool is provisioned, with the test operator. */
export function seededState(): LocalState {
  return {
    users: seededUsers(),
    jupyterlabToken: 'unused',
    gatewayProof: 'unused',
    operator: TEST_OPERATOR,
    postgresPassword: 'unused',
    sso: completeSso(undefined)
  };
}
