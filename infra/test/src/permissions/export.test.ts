import { readFileSync } from 'fs';

import { PERMISSION_MODEL_FILE } from '../../../scripts/permission-model';
import {
  ARTIFACT_COMMAND,
  permissionModelArtifact,
  renderPermissionModel,
  rolesTable
} from '../../../src/permissions/export';
import {
  OPERATIONS,
  compileRoles,
  matchOperation
} from '../../../src/permissions';

describe('the permission model artifact of the MLflow server app', () => {
  it('is committed as the model produces it', () => {
    // When this fails: run `${ARTIFACT_COMMAND}` and commit the result.
    expect(readFileSync(PERMISSION_MODEL_FILE, 'utf8')).toBe(
      renderPermissionModel()
    );
    expect(ARTIFACT_COMMAND).toContain('permission-model');
  });

  it('has every operation and every built-in role', () => {
    const artifact = permissionModelArtifact();
    expect(artifact.operations.map(op => op.id)).toEqual(
      OPERATIONS.map(op => op.id)
    );
    expect(artifact.roles).toEqual(rolesTable(compileRoles()));
    expect(Object.keys(artifact.roles)).toEqual(
      expect.arrayContaining(['admins', 'readers', 'model-approvers'])
    );
  });

  it('gives samples that route to their operation', () => {
    for (const sample of permissionModelArtifact().samples) {
      expect(matchOperation(sample.method, sample.path)?.id).toBe(
        sample.operation
      );
    }
  });
});
