import { readFileSync } from 'fs';

import { PERMISSIONS_DOC } from '../../../scripts/permissions-table';
import { renderPermissionTable } from '../../../src/permissions/table';

describe('docs/permissions.md', () => {
  it('is what the permission model generates', () => {
    const committed = readFileSync(PERMISSIONS_DOC, 'utf8');
    // On failure, regenerate: npm --prefix infra run docs:permissions
    expect(committed).toBe(renderPermissionTable());
  });

  it('has a row for every operation', () => {
    const doc = renderPermissionTable();
    expect(doc).toContain('| `runs.search` ');
    expect(doc).toContain('| `registered-models.set-alias` ');
    expect(doc).toContain('| `graphql.query` ');
  });
});
