import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { OPERATOR_KEY_ENV } from '../../../local/cognito/provider';
import { PATHS } from '../../../local/config';
import { TEST_OPERATOR } from '../../support/cognito';

// Loading cognito-local (and the AWS SDK v2 it requires) takes a few seconds.
jest.setTimeout(30_000);

describe('the cognito process (cognito/main.ts)', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child?.exitCode === null) {
      child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves on its port and stops on SIGTERM, cognito-local included', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-main-'));
    // As `npm run local -- up` starts it (stackctl.ts).
    const proc = spawn(
      process.execPath,
      [PATHS.tsxCli, PATHS.cognitoMain, '--port', '0', '--dir', dir],
      {
        env: {
          ...process.env,
          DEBUG: '',
          [OPERATOR_KEY_ENV.accessKeyId]: TEST_OPERATOR.accessKeyId,
          [OPERATOR_KEY_ENV.secretAccessKey]: TEST_OPERATOR.secretAccessKey
        },
        stdio: ['ignore', 'pipe', 'pipe']
      }
    );
    child = proc;
    let output = '';
    const [internalUrl, url] = await new Promise<[string, string]>(
      (resolve, reject) => {
        proc.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const found =
            /cognito-local on (http:\/\/127\.0\.0\.1:\d+), reached through (http:\/\/127\.0\.0\.1:\d+)/.exec(
              output
            );
          if (found) {
            resolve([found[1], found[2]]);
          }
        });
        proc.stderr!.on(
          'data',
          (chunk: Buffer) => (output += chunk.toString())
        );
        proc.once('exit', code =>
          reject(new Error(`exited ${code}: ${output}`))
        );
      }
    );
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const config = JSON.parse(
      fs.readFileSync(path.join(dir, '.cognito', 'config.json'), 'utf8')
    ) as { TokenConfig: { IssuerDomain: string } };
    expect(config.TokenConfig.IssuerDomain).toBe(url);

    const exited = new Promise<number | null>(resolve =>
      proc.once('exit', code => resolve(code))
    );
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    await expect(fetch(`${internalUrl}/health`)).rejects.toThrow();
  });
});
