/**
 * The extension's settings as plain data, and the rules that check them.
 *
 * Everything here is pure: no JupyterLab services, no I/O. The setting
 * registry already enforces the JSON types of `schema/plugin.json`; these
 * rules add what a JSON schema cannot say well (URL shapes, AWS identifiers,
 * settings that only make sense together) and phrase each problem as a
 * sentence a user can act on.
 */

import type {
  ReadonlyPartialJSONObject,
  ReadonlyPartialJSONValue
} from '@lumino/coreutils';

import { AUTH_FLOWS, AuthFlow } from './contract';

/**
 * The sides of the JupyterLab shell the run browser can live on.
 */
export const SIDEBAR_SIDES = ['left', 'right'] as const;

/**
 * A side of the JupyterLab shell.
 */
export type SidebarSide = (typeof SIDEBAR_SIDES)[number];

/**
 * The parsed settings of the extension.
 *
 * Strings are trimmed and URLs carry no trailing slash. A value that failed
 * its check is replaced by its default, so code reading a config never sees
 * an invalid value.
 */
export type MlflowConfig = Readonly<{
  /** The gateway's base URL, e.g. `https://abc.execute-api.us-east-1.amazonaws.com/prod`. */
  gatewayUrl: string;
  /** The AWS Region of the Cognito user pool. */
  region: string;
  /** The Cognito user pool ID. */
  userPoolId: string;
  /** The user pool app client ID. */
  userPoolClientId: string;
  /** A custom Cognito endpoint (local identity provider only), or `''`. */
  cognitoEndpoint: string;
  /** The sign-in flow. */
  authFlow: AuthFlow;
  /** The experiment name or ID the run browser opens first, or `''`. */
  defaultExperiment: string;
  /** Where the run browser sits. */
  sidebarSide: SidebarSide;
}>;

/**
 * The names of the settings, as in `schema/plugin.json`.
 */
export type SettingName = keyof MlflowConfig;

/**
 * The defaults of `schema/plugin.json`.
 */
export const DEFAULT_CONFIG: MlflowConfig = Object.freeze({
  gatewayUrl: '',
  region: '',
  userPoolId: '',
  userPoolClientId: '',
  cognitoEndpoint: '',
  authFlow: 'USER_SRP_AUTH',
  defaultExperiment: '',
  sidebarSide: 'right'
});

/**
 * The settings without which the extension cannot reach MLflow.
 */
export const REQUIRED_SETTINGS: ReadonlyArray<SettingName> = [
  'gatewayUrl',
  'region',
  'userPoolId',
  'userPoolClientId'
];

/**
 * The outcome of {@link parseConfig}.
 */
export interface IParsedConfig {
  /** The usable configuration. */
  config: MlflowConfig;
  /** One sentence per problem found; empty when all is well. */
  problems: string[];
}

/**
 * Something that formats a message with `%1`, `%2`, ... placeholders, like
 * the `__` method of a JupyterLab `TranslationBundle`.
 */
export interface IMessageFormatter {
  __(msgid: string, ...args: any[]): string;
}

/**
 * Whether a config has everything needed to reach MLflow.
 *
 * @param config - A config returned by {@link parseConfig}.
 */
export function isConfigured(config: MlflowConfig): boolean {
  return REQUIRED_SETTINGS.every(name => config[name] !== '');
}

/**
 * Parse and check the extension's settings.
 *
 * @param raw - The settings as the registry holds them (its `composite`),
 * or any partial object of them.
 * @param formatter - Formats (and may translate) the problem sentences;
 * English by default.
 * @returns The usable config and the problems found. An entirely empty
 * connection (the schema defaults) is not a problem: it means the extension
 * has not been set up yet.
 */
export function parseConfig(
  raw: ReadonlyPartialJSONObject,
  formatter: IMessageFormatter = englishFormatter
): IParsedConfig {
  const trans = formatter;
  const problems: string[] = [];

  for (const key of Object.keys(raw)) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_CONFIG, key)) {
      problems.push(
        trans.__(
          '"%1" is not an MLflow setting and is ignored. Check its spelling.',
          key
        )
      );
    }
  }

  const text = (name: SettingName): string => {
    const value = raw[name];
    if (value === undefined || value === null) {
      return '';
    }
    if (typeof value !== 'string') {
      problems.push(
        trans.__(
          'The MLflow setting "%1" must be text, not %2.',
          name,
          describe(value)
        )
      );
      return '';
    }
    return value.trim();
  };

  const gatewayUrlText = text('gatewayUrl');
  const regionText = text('region');
  const userPoolIdText = text('userPoolId');
  const userPoolClientIdText = text('userPoolClientId');
  const cognitoEndpointText = text('cognitoEndpoint');
  const defaultExperiment = text('defaultExperiment');

  const gatewayUrl = gatewayUrlText
    ? checkUrl('gatewayUrl', gatewayUrlText, GATEWAY_EXAMPLE, problems, trans)
    : '';

  const cognitoEndpoint = cognitoEndpointText
    ? checkUrl(
        'cognitoEndpoint',
        cognitoEndpointText,
        ENDPOINT_EXAMPLE,
        problems,
        trans
      )
    : '';

  let region = '';
  if (regionText) {
    if (REGION_PATTERN.test(regionText)) {
      region = regionText;
    } else {
      problems.push(
        trans.__(
          'The MLflow setting "region" must be an AWS Region code such as us-east-1, not "%1".',
          clip(regionText)
        )
      );
    }
  }

  let userPoolId = '';
  if (userPoolIdText) {
    const match = USER_POOL_ID_PATTERN.exec(userPoolIdText);
    if (!match) {
      problems.push(
        trans.__(
          'The MLflow setting "userPoolId" must look like <region>_<ID>, for example us-east-1_AbCdEf123, not "%1".',
          clip(userPoolIdText)
        )
      );
    } else if (
      region &&
      !cognitoEndpointText &&
      REGION_PATTERN.test(match[1]) &&
      match[1] !== region
    ) {
      problems.push(
        trans.__(
          'The MLflow setting "userPoolId" names a user pool in %1, but the setting "region" is %2. They must match.',
          match[1],
          region
        )
      );
    } else {
      userPoolId = userPoolIdText;
    }
  }

  let userPoolClientId = '';
  if (userPoolClientIdText) {
    if (CLIENT_ID_PATTERN.test(userPoolClientIdText)) {
      userPoolClientId = userPoolClientIdText;
    } else {
      problems.push(
        trans.__(
          'The MLflow setting "userPoolClientId" may contain only letters, digits, "_" and "+" (at most 128), not "%1".',
          clip(userPoolClientIdText)
        )
      );
    }
  }

  const authFlow = oneOf('authFlow', AUTH_FLOWS, raw, problems, trans);
  const sidebarSide = oneOf('sidebarSide', SIDEBAR_SIDES, raw, problems, trans);

  // A connection that is only partly set up cannot work: say what is missing.
  const given: Record<string, string> = {
    gatewayUrl: gatewayUrlText,
    region: regionText,
    userPoolId: userPoolIdText,
    userPoolClientId: userPoolClientIdText,
    cognitoEndpoint: cognitoEndpointText
  };
  if (Object.values(given).some(value => value !== '')) {
    for (const name of REQUIRED_SETTINGS) {
      if (given[name] === '') {
        problems.push(
          trans.__(
            'The MLflow setting "%1" is empty. The extension needs all of gatewayUrl, region, userPoolId and userPoolClientId.',
            name
          )
        );
      }
    }
  }

  const config: MlflowConfig = Object.freeze({
    gatewayUrl,
    region,
    userPoolId,
    userPoolClientId,
    cognitoEndpoint,
    authFlow,
    defaultExperiment,
    sidebarSide
  });
  return { config, problems };
}

/**
 * `us-east-1`, `us-gov-west-1`, `ap-southeast-2`, `us-isob-east-1`, ...
 */
const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/**
 * `<region>_<id>` for Amazon Cognito; the local identity provider uses other
 * prefixes, such as `local_<id>`.
 */
const USER_POOL_ID_PATTERN = /^([\w-]+)_([0-9a-zA-Z]+)$/;

/**
 * Amazon Cognito's pattern for app client IDs.
 */
const CLIENT_ID_PATTERN = /^[\w+]{1,128}$/;

/**
 * Host names for which plain http is acceptable: this machine only.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const GATEWAY_EXAMPLE =
  'https://abc123.execute-api.us-east-1.amazonaws.com/prod';
const ENDPOINT_EXAMPLE = 'http://127.0.0.1:9229';

/**
 * Check an absolute http(s) URL setting and normalise it.
 *
 * @returns The URL without a trailing slash, or `''` when it is not valid.
 */
function checkUrl(
  name: SettingName,
  value: string,
  example: string,
  problems: string[],
  trans: IMessageFormatter
): string {
  let url: URL | null = null;
  if (/^https?:\/\//i.test(value)) {
    try {
      url = new URL(value);
    } catch {
      url = null;
    }
  }
  if (!url) {
    problems.push(
      trans.__(
        'The MLflow setting "%1" must be an absolute URL such as %2, not "%3".',
        name,
        example,
        clip(value)
      )
    );
    return '';
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    problems.push(
      trans.__(
        'The MLflow setting "%1" must use https://. Plain http:// is accepted for localhost and 127.0.0.1 only, not for "%2".',
        name,
        url.hostname
      )
    );
    return '';
  }
  if (url.username || url.password) {
    problems.push(
      trans.__(
        'The MLflow setting "%1" must not contain a user name or password.',
        name
      )
    );
    return '';
  }
  if (url.search || url.hash || /[?#]/.test(value)) {
    problems.push(
      trans.__(
        'The MLflow setting "%1" must not have a query (?...) or a fragment (#...): "%2".',
        name,
        clip(value)
      )
    );
    return '';
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Check an enumerated setting; a missing value takes the default.
 */
function oneOf<K extends 'authFlow' | 'sidebarSide'>(
  name: K,
  allowed: ReadonlyArray<MlflowConfig[K]>,
  raw: ReadonlyPartialJSONObject,
  problems: string[],
  trans: IMessageFormatter
): MlflowConfig[K] {
  const value = raw[name];
  if (value === undefined || value === null) {
    return DEFAULT_CONFIG[name];
  }
  const found = allowed.find(option => option === value);
  if (found !== undefined) {
    return found;
  }
  problems.push(
    trans.__(
      'The MLflow setting "%1" must be one of %2, not %3.',
      name,
      allowed.join(', '),
      typeof value === 'string' ? `"${clip(value)}"` : describe(value)
    )
  );
  return DEFAULT_CONFIG[name];
}

/**
 * Shorten a value quoted in a message.
 */
function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/**
 * Name the JSON type of a value, for messages.
 */
function describe(value: ReadonlyPartialJSONValue): string {
  if (Array.isArray(value)) {
    return 'a list';
  }
  switch (typeof value) {
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/**
 * Fills `%1`, `%2`, ... like a translation bundle, without translating.
 */
export const englishFormatter: IMessageFormatter = {
  __(msgid: string, ...args: any[]): string {
    return msgid.replace(/%(\d+)/g, (placeholder, index: string) => {
      const arg = args[Number(index) - 1];
      return arg === undefined ? placeholder : String(arg);
    });
  }
};
