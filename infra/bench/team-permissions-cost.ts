import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { localPrincipal } from '../local/config';
import { MLFLOW_APP_ENV, MLFLOW_APP_NAME } from '../local/mlflow';
import {
  type Server,
  freePort,
  gatewayHeaders,
  mlflowAppEnv,
  post,
  startServer,
  stop,
  stopOnInterrupt
} from './mlflow-servers';
import { interleaved, percentile } from './support';

/**
 * What team permissions (MLflow's auth app behind our server app) cost a
 * `runs/search` over 1,000 runs: the MLflow server app with and without
 * them side by side, each on a store of its own with the same experiment
 * and runs, searched by a reader in the experiment's team (so MLflow's auth
 * app decides from a team grant), calls interleaved in one run.
 *
 * Needs the Python environment only (not the local stack).
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const WARMUP = 5;
const RUNS = 1000;
const TEAM = 'team-a';
const ADMIN = localPrincipal('bench-admin');
const READER = localPrincipal('bench-reader');
const OUTSIDER = localPrincipal('bench-outsider');

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-teams-'));
  const proof = randomBytes(36).toString('base64url');
  const admin = gatewayHeaders(ADMIN, proof);
  const reader = gatewayHeaders(READER, proof);
  const env = (dir: string) =>
    mlflowAppEnv(
      proof,
      {
        [ADMIN]: { user: 'admin', roles: ['admins'], teams: [] },
        [READER]: { user: 'reader', roles: ['readers'], teams: [TEAM] },
        [OUTSIDER]: { user: 'outsider', roles: ['readers'], teams: [] }
      },
      path.join(dir, 'audit.jsonl')
    );
  const servers: Server[] = [];
  stopOnInterrupt(servers);
  try {
    const appDir = path.join(root, 'app');
    const plainPort = await freePort(5640);
    const plain = await startServer(servers, 'app', plainPort, appDir, {
      args: ['--app-name', MLFLOW_APP_NAME],
      env: env(appDir)
    });
    const teamsDir = path.join(root, 'teams');
    const teams = await startServer(
      servers,
      'app with teams',
      await freePort(plainPort + 1),
      teamsDir,
      {
        args: ['--app-name', MLFLOW_APP_NAME],
        env: {
          ...env(teamsDir),
          [MLFLOW_APP_ENV.authDatabase]: `sqlite:///${teamsDir}/auth.db`,
          // As the image's entry point sets it, for the auth app's own forms.
          MLFLOW_FLASK_SERVER_SECRET_KEY: randomBytes(32).toString('hex')
        }
      }
    );

    // The same experiment and 1,000 runs on both; with teams, restricted
    // to the reader's team.
    const experiments = new Map<Server, string>();
    for (const server of [plain, teams]) {
      const { experiment_id } = (await post(
        server.base,
        'experiments/create',
        { name: 'bench-team-permissions' },
        admin
      )) as { experiment_id: string };
      experiments.set(server, experiment_id);
      for (let i = 0; i < RUNS; i += 4) {
        await Promise.all(
          Array.from({ length: 4 }, (_, j) =>
            post(
              server.base,
              'runs/create',
              { experiment_id, run_name: `run-${i + j}` },
              admin
            )
          )
        );
      }
    }
    const access = (action: string, body: unknown) =>
      fetch(`${teams.base}/api/2.0/studio-mlflow/access/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...admin },
        body: JSON.stringify(body)
      }).then(async answer => {
        if (!answer.ok) {
          throw new Error(
            `access/${action}: ${answer.status} ${await answer.text()}`
          );
        }
      });
    const resource = { kind: 'experiment', id: experiments.get(teams) };
    await access('grant', { ...resource, team: TEAM, level: 'read' });
    await access('revoke', { ...resource, team: 'everyone' });

    console.log(
      `Team permissions on runs/search over ${RUNS} runs: the MLflow server app with and without them, ${ROUNDS} interleaved calls each, as a reader of the team (ms)`
    );
    console.log(
      'page size   without p50  p99   with p50  p99   added p50  ratio p50'
    );
    for (const pageSize of [100, 1000]) {
      const [without, withTeams] = await interleaved(
        [plain, teams] as const,
        ROUNDS,
        WARMUP,
        async server => {
          const start = performance.now();
          const found = (await post(
            server.base,
            'runs/search',
            {
              experiment_ids: [experiments.get(server)],
              max_results: pageSize
            },
            reader
          )) as { runs?: unknown[] };
          const ms = performance.now() - start;
          if ((found.runs ?? []).length !== Math.min(pageSize, RUNS)) {
            throw new Error(
              `${server.name} answered ${(found.runs ?? []).length} runs, not ${Math.min(pageSize, RUNS)}`
            );
          }
          return ms;
        }
      );
      console.log(
        [
          String(pageSize).padEnd(9),
          percentile(without, 50).toFixed(1).padStart(13),
          percentile(without, 99).toFixed(1).padStart(5),
          percentile(withTeams, 50).toFixed(1).padStart(10),
          percentile(withTeams, 99).toFixed(1).padStart(5),
          (percentile(withTeams, 50) - percentile(without, 50))
            .toFixed(1)
            .padStart(10),
          (percentile(withTeams, 50) / percentile(without, 50))
            .toFixed(2)
            .padStart(10)
        ].join(' ')
      );
    }
    // The restriction holds: a reader outside the team is refused.
    const outsider = await fetch(`${teams.base}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...gatewayHeaders(OUTSIDER, proof)
      },
      body: JSON.stringify({ experiment_ids: [experiments.get(teams)] })
    });
    const shown = (await outsider.json()) as { runs?: unknown[] };
    console.log(
      `a reader outside ${TEAM} finds ${(shown.runs ?? []).length} of its runs (${outsider.status})`
    );
  } finally {
    servers.forEach(stop);
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
