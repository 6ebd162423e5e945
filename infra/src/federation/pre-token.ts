/**
 * Cognito's pre token generation trigger (version 2): a federated user's
 * tokens carry, in `cognito:groups`, its pool groups and the groups its
 * identity provider's groups map to (`GROUP_MAPPING`, from
 * `cognito.identityProviders[].groups` of the deployment). It runs at every
 * sign-in and refresh, from the attributes Cognito updated at the last
 * federated sign-in: leaving a group at the provider takes its role or team
 * away at the next sign-in. Users of the pool itself are left as they are.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';

import {
  type GroupMapping,
  IDP_GROUPS_ATTRIBUTE,
  mappedGroups,
  parseIdpGroups
} from './groups';

/** The environment variable holding the {@link GroupMapping} as JSON. */
export const GROUP_MAPPING_ENV = 'GROUP_MAPPING';

/** An `identities` attribute that does not name a provider. */
export class UnreadableIdentitiesError extends Error {}

/**
 * The provider a user signed in through (`identities`, a JSON list Cognito
 * keeps for federated users), or undefined for a user of the pool.
 */
export function federatedProvider(
  attributes: Readonly<Record<string, string>>
): string | undefined {
  const raw = attributes.identities;
  if (raw === undefined || raw === '') {
    return undefined;
  }
  let identities: unknown;
  try {
    identities = JSON.parse(raw);
  } catch {
    throw new UnreadableIdentitiesError('identities is not JSON');
  }
  const first: unknown = Array.isArray(identities) ? identities[0] : undefined;
  const name = (first as { providerName?: unknown } | undefined)?.providerName;
  if (typeof name !== 'string' || name === '') {
    throw new UnreadableIdentitiesError('identities names no provider');
  }
  return name;
}

/** The event with its groups decided (Cognito reads `response`). */
export function withMappedGroups(
  event: PreTokenGenerationV2TriggerEvent,
  mapping: GroupMapping
): PreTokenGenerationV2TriggerEvent {
  const attributes = event.request.userAttributes;
  const provider = federatedProvider(attributes);
  if (provider === undefined) {
    return event;
  }
  const pool = event.request.groupConfiguration.groupsToOverride ?? [];
  const mapped = mappedGroups(
    mapping,
    provider,
    parseIdpGroups(attributes[IDP_GROUPS_ATTRIBUTE])
  );
  const groups = [...new Set([...pool, ...mapped])].sort();
  return {
    ...event,
    response: {
      claimsAndScopeOverrideDetails: {
        ...event.response.claimsAndScopeOverrideDetails,
        groupOverrideDetails: { groupsToOverride: groups }
      }
    }
  };
}

/** The mapping of the environment; an unreadable one is a deployment error, so nothing is signed. */
export function mappingFrom(json: string | undefined): GroupMapping {
  const parsed: unknown = JSON.parse(json ?? '{}');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${GROUP_MAPPING_ENV} must be a JSON object`);
  }
  return parsed as GroupMapping;
}

const MAPPING = mappingFrom(process.env[GROUP_MAPPING_ENV]);

export async function handler(
  event: PreTokenGenerationV2TriggerEvent
): Promise<PreTokenGenerationV2TriggerEvent> {
  return withMappedGroups(event, MAPPING);
}
