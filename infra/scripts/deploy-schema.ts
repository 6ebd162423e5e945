/**
 * Writes infra/deploy.schema.json, the JSON Schema of deploy.json, from the
 * configuration's schema (cdk/config.ts).
 * Usage: npm --prefix infra run schema
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { DEPLOY_SCHEMA_FILE, deploymentConfigJsonSchema } from '../cdk/config';

writeFileSync(DEPLOY_SCHEMA_FILE, deploymentConfigJsonSchema());
console.log(`wrote ${path.relative(process.cwd(), DEPLOY_SCHEMA_FILE)}`);
