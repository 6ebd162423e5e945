import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * What every view says when the gateway answers but MLflow does not (502,
 * 503, 504): a passing state, so the advice is to wait and try again.
 */
export function mlflowUnavailable(trans: TranslationBundle): {
  title: string;
  advice: string;
} {
  return {
    title: trans.__('MLflow is not answering'),
    advice: trans.__(
      'MLflow may be restarting or busy. Try again in a minute; if it persists, ask your MLflow administrator whether MLflow is up.'
    )
  };
}
