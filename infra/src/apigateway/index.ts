/**
 * One model of Amazon API Gateway, as the MLflow gateway uses it: the CDK
 * app builds the REST API from it and the local gateway answers by it, so
 * the two agree. Where they could differ, this follows what API Gateway
 * does. No AWS CDK here: Lambda bundles import it.
 */
export {
  ANONYMOUS_PRINCIPAL,
  GATEWAY_HEADERS,
  GATEWAY_HEADER_PREFIX,
  GATEWAY_HEADER_SOURCES,
  PRINCIPAL_HEADER,
  PROOF_STAGE_VARIABLE,
  UNAUTHORIZED_ERROR,
  gatewayHeaderValues
} from './authorization';
export type {
  Authorization,
  CallerContext,
  GatewayHeader,
  HeaderSource
} from './authorization';
export { CORS_PREFLIGHT, preflightHeaders } from './cors';
export {
  COSTLY_PATH_PATTERN,
  MAX_COSTLY_BODY_BYTES,
  exceedsCostBounds
} from './cost-bounds';
export { INTEGRATION_TIMEOUT_SECONDS, MAX_PAYLOAD_BYTES } from './limits';
export { REFUSED_PATH_PATTERNS, isRefusedPath } from './path-canonical';
export type { RefusedPathPattern } from './path-canonical';
export { arnPatternMatches, evaluatePolicy } from './policy-evaluation';
export type {
  Effect,
  PolicyDocument,
  PolicyStatement
} from './policy-evaluation';
export {
  ACCESS_DENIED_MESSAGE,
  AUTHORIZER_DENIED_MESSAGE,
  EDGE_REFUSALS,
  REFUSALS,
  REFUSAL_CONTEXT_KEY,
  ROLES_CONTEXT_KEY,
  STOCK_SIGNER_HINT,
  edgeRefusal,
  gatewayResponseTemplate,
  refusal,
  takesGatewayMessage
} from './refusals';
export {
  HTTP_METHODS,
  MAX_RESOURCE_POLICY_CHARACTERS,
  resourcePolicyPatterns
} from './resource-policy';
export type {
  AuthorizedMethod,
  ResourcePolicyOptions,
  ResourcePolicyPatterns
} from './resource-policy';
export type {
  EdgeRefusalType,
  ErrorBody,
  Refusal,
  RefusalDetails,
  RefusalKind,
  RefusalType
} from './refusals';
export {
  matchResource,
  methodMatcher,
  resourcePath,
  resourceTree,
  routeOf
} from './resources';
export type { ResourceMethod } from './resources';
