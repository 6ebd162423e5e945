import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IMlflowAuth, SignInFormComponent } from '../tokens';
import { Message } from './message';

/**
 * The sign-in form, loaded (with Amplify UI) when first shown.
 */
export function SignInView(props: {
  auth: IMlflowAuth;
  trans: TranslationBundle;
}): JSX.Element {
  const { auth, trans } = props;
  const [Form, setForm] = React.useState<SignInFormComponent | null>(null);
  const [failure, setFailure] = React.useState('');
  React.useEffect(() => {
    let live = true;
    auth.loadSignInForm().then(
      form => live && setForm(() => form),
      reason => live && setFailure(String(reason?.message ?? reason))
    );
    return () => {
      live = false;
    };
  }, [auth]);
  if (failure) {
    return (
      <Message title={trans.__('The sign-in form could not be loaded')} error>
        <p>{failure}</p>
      </Message>
    );
  }
  return (
    <Message title={trans.__('Sign in to MLflow')} busy={Form === null}>
      <p>{trans.__('Use the MLflow account your administrator gave you.')}</p>
      {Form !== null && <Form trans={trans} />}
    </Message>
  );
}
