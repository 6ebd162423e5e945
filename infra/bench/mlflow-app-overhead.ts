import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { localPrincipal } from '../local/config';
import { MLFLOW_APP_NAME } from '../local/mlflow';
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
import { interleaved, metricsBatch, percentile } from './support';

/**
 * What the MLflow server app of our Python package (the second gate:
 * proof check, second decision, authorship, audit) adds to each request:
 * stock `mlflow server` and `mlflow server --app-name sagemaker-studio-mlflow`
 * side by side, each on a fresh SQLite store of its own, the same calls
 * interleaved in one run, reported as p50, p99 and the ratio to stock.
 *
 * Needs the Python environment only (not the local stack); starts and
 * stops both servers itself.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARMUP = 20;
const PRINCIPAL = localPrincipal('bench');

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mlflow-app-'));
  const proof = randomBytes(36).toString('base64url');
  const headers = gatewayHeaders(PRINCIPAL, proof);
  const servers: Server[] = [];
  stopOnInterrupt(servers);
  try {
    const stockPort = await freePort(5610);
    await startServer(servers, 'stock', stockPort, path.join(root, 'stock'), {
      args: [],
      env: {}
    });
    const appPort = await freePort(stockPort + 1);
    await startServer(servers, 'app', appPort, path.join(root, 'app'), {
      args: ['--app-name', MLFLOW_APP_NAME],
      env: mlflowAppEnv(
        proof,
        { [PRINCIPAL]: { user: 'bench', roles: ['admins'], teams: [] } },
        path.join(root, 'audit.jsonl')
      )
    });

    // The same experiment and run on both.
    const runs = new Map<Server, string>();
    const experiments = new Map<Server, string>();
    for (const server of servers) {
      const { experiment_id } = (await post(
        server.base,
        'experiments/create',
        { name: 'bench-mlflow-app' },
        headers
      )) as { experiment_id: string };
      const created = (await post(
        server.base,
        'runs/create',
        { experiment_id, run_name: 'overhead' },
        headers
      )) as { run: { info: { run_id: string } } };
      experiments.set(server, experiment_id);
      runs.set(server, created.run.info.run_id);
    }

    const scenarios: Record<string, (server: Server) => unknown> = {
      'runs/search': server => ({
        experiment_ids: [experiments.get(server)],
        max_results: 100
      }),
      'runs/log-batch': server => metricsBatch(runs.get(server))
    };

    console.log(
      `MLflow app vs stock mlflow server, ${ROUNDS} interleaved calls each (ms)`
    );
    console.log(
      'route            stock p50  p99   app p50  p99   added p50  ratio p50'
    );
    for (const [route, body] of Object.entries(scenarios)) {
      const [stock, app] = await interleaved(
        [servers[0], servers[1]] as const,
        ROUNDS,
        WARMUP,
        async server => {
          const payload = body(server);
          const start = performance.now();
          await post(server.base, route, payload, headers);
          return performance.now() - start;
        }
      );
      console.log(
        [
          route.padEnd(16),
          percentile(stock, 50).toFixed(1).padStart(9),
          percentile(stock, 99).toFixed(1).padStart(5),
          percentile(app, 50).toFixed(1).padStart(8),
          percentile(app, 99).toFixed(1).padStart(5),
          (percentile(app, 50) - percentile(stock, 50)).toFixed(1).padStart(10),
          (percentile(app, 50) / percentile(stock, 50)).toFixed(2).padStart(10)
        ].join(' ')
      );
    }
    const events = fs
      .readFileSync(path.join(root, 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter(line => line !== '').length;
    console.log(`audit events written by the app: ${events}`);
  } finally {
    servers.forEach(stop);
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
