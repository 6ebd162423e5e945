/**
 * The AWS credentials a role's requests are signed with, as the AWS SDK
 * would find them: a profile, the default chain (a Studio space's or a
 * job's role), or a role assumed from either.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import type { AwsCredentialIdentity } from '@smithy/types';

import type { IamAccess } from './target';

export async function awsCredentials(
  access: IamAccess,
  region: string
): Promise<AwsCredentialIdentity> {
  switch (access.kind) {
    case 'keys':
      return {
        accessKeyId: access.accessKeyId,
        secretAccessKey: access.secretAccessKey
      };
    case 'profile':
      return defaultProvider(
        access.profile === undefined ? {} : { profile: access.profile }
      )();
    case 'assume-role': {
      const sts = new STSClient({
        region,
        credentials: defaultProvider(
          access.profile === undefined ? {} : { profile: access.profile }
        )
      });
      try {
        const { Credentials: assumed } = await sts.send(
          new AssumeRoleCommand({
            RoleArn: access.roleArn,
            // The access log names the session; the source identity stays on it.
            RoleSessionName: `${access.sourceIdentity}-${Date.now()}`.slice(
              0,
              64
            ),
            SourceIdentity: access.sourceIdentity,
            DurationSeconds: 900
          })
        );
        if (
          assumed?.AccessKeyId === undefined ||
          assumed.SecretAccessKey === undefined
        ) {
          throw new Error(`AssumeRole ${access.roleArn} gave no credentials`);
        }
        return {
          accessKeyId: assumed.AccessKeyId,
          secretAccessKey: assumed.SecretAccessKey,
          sessionToken: assumed.SessionToken
        };
      } finally {
        sts.destroy();
      }
    }
  }
}
