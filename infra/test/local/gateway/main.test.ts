import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { bundleAuthorizer } from '../../../local/authorizer-bundle';
import { LOCAL_API, PATHS } from '../../../local/config';
import type { GatewayConfig } from '../../../local/gateway/config';
import { RecordingUpstream, recordingUpstream } from '../../support/upstream';

// Bundling the authorizer and starting tsx take a few seconds each.
jest.setTimeout(60_000);

const PROOF = 'a-proof-of-the-gateway-that-is-long-enough-48chr';

describe('the gateway process (gateway/main.ts)', () => {
  let dir: string;
  let upstream: RecordingUpstream;
  let config: GatewayConfig;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-main-'));
    const bundle = path.join(dir, 'authorizer', 'index.js');
    await bundleAuthorizer(bundle);
    upstream = await recordingUpstream(res => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    config = {
      upstream: upstream.url,
      api: LOCAL_API,
      iam: [],
      allowedOrigins: [],
      authorizer: {
        bundle,
        environment: {
          COGNITO_ISSUER: 'http://127.0.0.1:9/local_none',
          COGNITO_CLIENT_IDS: 'none',
          TOKEN_USE: 'access'
        }
      },
      proof: PROOF
    };
  });

  afterAll(async () => {
    await Promise.all(
      children
        .filter(child => child.exitCode === null)
        .map(
          child =>
            new Promise(resolve => {
              child.once('exit', resolve);
              child.kill('SIGTERM');
            })
        )
    );
    await upstream?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the gateway as a test would, with a config of its own; resolves with its URL and output. */
  const start = (
    name: string,
    extra: Partial<GatewayConfig>
  ): Promise<{ url: string; output: () => string }> => {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify({ ...config, ...extra }), {
      mode: 0o600
    });
    const proc = spawn(
      process.execPath,
      [PATHS.tsxCli, PATHS.gatewayMain, '--config', file, '--port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    children.push(proc);
    let output = '';
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const found = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (found) {
          resolve({ url: found[1], output: () => output });
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', code => reject(new Error(`exited ${code}: ${output}`)));
    });
  };

  const deleteExperiment = (url: string) =>
    fetch(`${url}/api/2.0/mlflow/experiments/delete`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gateway-principal': 'mallory',
        'x-gateway-authorization': 'iam'
      },
      body: '{"experiment_id": "1"}'
    });

  it('refuses an unsigned write as API Gateway does', async () => {
    const gateway = await start('normal', {});
    const answer = await deleteExperiment(gateway.url);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.seen).toEqual([]);
    expect(gateway.output()).not.toMatch(/letEverythingThrough/);
  });

  it('with letEverythingThrough, warns at start and passes it as anonymous, with the proof', async () => {
    const gateway = await start('through', { letEverythingThrough: true });
    // Written to stderr before it listens; the pipes may deliver it after.
    for (let i = 0; i < 50 && !/WARNING/.test(gateway.output()); i++) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    expect(gateway.output()).toMatch(/WARNING: letEverythingThrough is on/);
    const answer = await deleteExperiment(gateway.url);
    expect(answer.status).toBe(200);
    const [seen] = upstream.seen;
    expect(seen.url).toBe('/api/2.0/mlflow/experiments/delete');
    expect(seen.headers).toMatchObject({
      'x-gateway-authorization': 'none',
      'x-gateway-principal': 'anonymous',
      'x-gateway-roles': '',
      'x-gateway-proof': PROOF,
      'x-gateway-request-id': answer.headers.get('x-amzn-requestid')
    });
  });
});
