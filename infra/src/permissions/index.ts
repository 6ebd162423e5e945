/**
 * The permission model: MLflow's operations, the roles, and the matcher that
 * turns a request into an operation. Everything that decides or documents
 * access (IAM policies, the authorizer, the local gateway, docs, tests)
 * derives from here.
 */
export {
  ACCESS_LEVELS,
  API_ROOTS,
  CALLERS,
  FAMILIES,
  HTTP_METHODS,
  callersOf,
  isRestOperation,
  pathTemplates
} from './operation';
export type {
  Access,
  ApiRoot,
  Caller,
  Family,
  FullPathOperation,
  HttpMethod,
  Operation,
  RestOperation
} from './operation';
export { OPERATIONS, findOperation } from './operations';
export { matchOperation } from './match';
export { resolveSelector } from './selector';
export type { Selector, SelectorProblem, SelectorResult } from './selector';
export {
  BUILT_IN_ROLES,
  BUILT_IN_ROLE_DEFINITIONS,
  InvalidRoleConfigError,
  MODEL_APPROVER_OPERATIONS,
  PUBLIC_OPERATIONS,
  allowedOperations,
  compileRoles,
  operationsOfGroups,
  validateRoleDefinitions
} from './roles';
export type {
  BuiltInRole,
  PermissionsConfig,
  RoleDefinition,
  RoleProblem,
  RoleProblemCode,
  RoleTable
} from './roles';
export {
  NO_ROLES,
  REFUSAL_TEMPLATE,
  operationPhrase,
  refusalSentence,
  rolesThatMay
} from './words';
export type { RefusalFacts } from './words';
