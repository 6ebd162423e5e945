/**
 * The roles of sagemaker-studio-mlflow, as Cognito group names.
 *
 * This is the seed of the permission model: which MLflow operations each
 * role may perform is defined next to it, in one place, and everything else
 * (IAM policies, the authorizer, the local gateway, docs, tests) derives from it.
 */
export const BUILT_IN_ROLES = ['admins', 'readers', 'model-approvers'] as const;

export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];
