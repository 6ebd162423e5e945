/**
 * Writes the permission model artifact the MLflow server app reads.
 * Usage: npm --prefix infra run permission-model
 */
import { writeFileSync } from 'fs';
import * as path from 'path';

import { renderPermissionModel } from '../src/permissions/export';

export const PERMISSION_MODEL_FILE = path.resolve(
  __dirname,
  '../../sagemaker_studio_mlflow/server/permission_model.json'
);

if (require.main === module) {
  writeFileSync(PERMISSION_MODEL_FILE, renderPermissionModel());
  console.log(`wrote ${path.relative(process.cwd(), PERMISSION_MODEL_FILE)}`);
}
