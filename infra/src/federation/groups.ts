/**
 * Which Cognito groups (roles and teams) a federated user gets from the
 * groups its identity provider says it is in. Pure, shared by the pre
 * token generation trigger (`./pre-token.ts`) and the deployment's checks
 * (`infra/cdk/config.ts`).
 *
 * Deny by default: an IdP group that is not mapped gives nothing, and a
 * user of a provider without a mapping gets no group from it.
 */

/**
 * The Cognito attribute the IdP's group claim is mapped to (a custom
 * attribute, at most 2048 characters: Cognito refuses a sign-in whose
 * value is longer).
 */
export const IDP_GROUPS_ATTRIBUTE = 'custom:idp_groups';

/**
 * Groups with this prefix are teams: the MLflow server app's default team
 * rule (`STUDIO_MLFLOW_TEAMS` unset, as the deployment runs it).
 */
export const TEAM_GROUP_PREFIX = 'team-';

/** A team's name as the MLflow server app accepts it (`teams.py`'s `TEAM_NAME`). */
const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Per provider (its Cognito name): each IdP group's Cognito groups. */
export type GroupMapping = Readonly<
  Record<string, Readonly<Record<string, readonly string[]>>>
>;

/**
 * The groups in a mapped attribute's value. Cognito stores a SAML
 * attribute with several values as `[a, b]` and one value as it is; an
 * OIDC claim that is a list may arrive as JSON. Names are trimmed; empty
 * ones dropped.
 */
export function parseIdpGroups(value: string | undefined): string[] {
  const text = (value ?? '').trim();
  if (text === '') {
    return [];
  }
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) {
        return clean(parsed.filter((g): g is string => typeof g === 'string'));
      }
    } catch {
      // Not JSON: Cognito's own `[a, b]`.
    }
    if (text.endsWith(']')) {
      return clean(text.slice(1, -1).split(', '));
    }
  }
  return clean([text]);
}

function clean(groups: string[]): string[] {
  return [...new Set(groups.map(g => g.trim()).filter(g => g !== ''))];
}

/** The Cognito groups the provider's mapping gives for these IdP groups, sorted. */
export function mappedGroups(
  mapping: GroupMapping,
  provider: string,
  idpGroups: readonly string[]
): string[] {
  const table = Object.prototype.hasOwnProperty.call(mapping, provider)
    ? mapping[provider]
    : {};
  const groups = new Set<string>();
  for (const idpGroup of idpGroups) {
    if (Object.prototype.hasOwnProperty.call(table, idpGroup)) {
      table[idpGroup].forEach(group => groups.add(group));
    }
  }
  return [...groups].sort();
}

/** Whether a mapping may name the group: a role of the deployment or a team. */
export function isMappableGroup(
  group: string,
  roles: ReadonlySet<string>
): boolean {
  return (
    roles.has(group) ||
    (group.startsWith(TEAM_GROUP_PREFIX) && TEAM_NAME.test(group))
  );
}
