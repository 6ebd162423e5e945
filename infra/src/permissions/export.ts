/**
 * The permission model as data, for the MLflow server app of our Python
 * package (`sagemaker_studio_mlflow/server/`), which decides every request
 * a second time. The Python side reads this artifact and never defines an
 * operation or a role itself; `test/src/permissions/export.test.ts` fails
 * when the committed artifact differs from what this module produces.
 */
import { type Operation, pathTemplates } from './operation';
import { OPERATIONS } from './operations';
import { type RoleTable, compileRoles } from './roles';
import { samplePath } from './samples';
import { NO_ROLES, REFUSAL_TEMPLATE, operationPhrase } from './words';

export interface ExportedOperation {
  readonly id: string;
  readonly method: string;
  readonly family: string;
  readonly access: string;
  /** What it does, in words: "rename an experiment" (`words.ts`). */
  readonly words: string;
  /** Absolute path templates, `{x}` one segment, `{x+}` one or more, `{x}suffix`. */
  readonly templates: readonly string[];
}

export interface PermissionModelArtifact {
  readonly generatedBy: string;
  readonly operations: readonly ExportedOperation[];
  /** The sentence of a refusal (`REFUSAL_TEMPLATE`) and how no roles are said. */
  readonly refusal: { readonly template: string; readonly noRoles: string };
  /** The built-in roles' operation ids; a deployment passes its own table (`rolesTable`). */
  readonly roles: Readonly<Record<string, readonly string[]>>;
  /** A request per template and the operation it is, for the Python matcher's test. */
  readonly samples: readonly {
    method: string;
    path: string;
    operation: string;
  }[];
}

export const ARTIFACT_COMMAND =
  'npm --prefix infra run --silent permission-model';

/** A role table as JSON: role → sorted operation ids. */
export function rolesTable(
  roles: RoleTable
): Record<string, readonly string[]> {
  return Object.fromEntries(
    [...roles]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, ids]) => [name, [...ids].sort()])
  );
}

function exported(op: Operation): ExportedOperation {
  return {
    id: op.id,
    method: op.method,
    family: op.family,
    access: op.access,
    words: operationPhrase(op),
    templates: pathTemplates(op)
  };
}

export function permissionModelArtifact(): PermissionModelArtifact {
  return {
    generatedBy: ARTIFACT_COMMAND,
    operations: OPERATIONS.map(exported),
    refusal: { template: REFUSAL_TEMPLATE, noRoles: NO_ROLES },
    roles: rolesTable(compileRoles()),
    samples: OPERATIONS.flatMap(op =>
      pathTemplates(op).map(template => ({
        method: op.method,
        path: samplePath(template),
        operation: op.id
      }))
    )
  };
}

/** The artifact's text, as committed. */
export function renderPermissionModel(): string {
  return JSON.stringify(permissionModelArtifact(), null, 1) + '\n';
}
