/**
 * The roles of sagemaker-studio-mlflow, as Cognito group names.
 *
 * Which MLflow operations each role may perform is defined in the permission
 * model (./permissions), in one place; everything else (IAM policies, the
 * authorizer, the local gateway, docs, tests) derives from it.
 */
export {
  BUILT_IN_ROLES,
  BUILT_IN_ROLE_DEFINITIONS,
  allowedOperations,
  compileRoles
} from './permissions/roles';
export type {
  BuiltInRole,
  PermissionsConfig,
  RoleDefinition
} from './permissions/roles';
