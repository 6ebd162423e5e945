/**
 * Writes docs/permissions.md from the permission model.
 * Usage: npm --prefix infra run docs:permissions
 */
import { writeFileSync } from 'fs';
import * as path from 'path';

import { renderPermissionTable } from '../src/permissions/table';

export const PERMISSIONS_DOC = path.resolve(
  __dirname,
  '../../docs/permissions.md'
);

if (require.main === module) {
  writeFileSync(PERMISSIONS_DOC, renderPermissionTable());
  console.log(`wrote ${path.relative(process.cwd(), PERMISSIONS_DOC)}`);
}
