import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  type RunningCognito,
  cognitoLocalLogger,
  startCognito
} from '../../local/cognito/provider';
import { type LocalState, SEEDED_USERNAMES } from '../../local/stack';
import { BUILT_IN_ROLES } from '../../src/roles';

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
    logger: cognitoLocalLogger('silent')
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
      secretAccessKey: 'unused'
    };
  }
  return users;
}
