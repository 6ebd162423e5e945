import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ISettingRegistry, SettingRegistry } from '@jupyterlab/settingregistry';
import { JSONExt } from '@lumino/coreutils';

import plugins, {
  IMlflowSettings,
  MlflowConfig,
  MlflowSettings,
  plugin,
  SETTINGS_PLUGIN_ID
} from '../index';
import schemaJson from '../../schema/plugin.json';

type Connector = SettingRegistry.IOptions['connector'];

const SCHEMA = schemaJson as unknown as ISettingRegistry.ISchema;

const GOOD = {
  gatewayUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/prod',
  region: 'us-east-1',
  userPoolId: 'us-east-1_AbCdEf123',
  userPoolClientId: '1example23456789abcdefghij'
};

/**
 * Settings kept in memory, served the way the JupyterLab server serves them:
 * the schema (whose defaults carry any overrides) and the user's raw JSON.
 */
class MemoryConnector implements Connector {
  constructor(schemas: Record<string, ISettingRegistry.ISchema>) {
    this.schemas = schemas;
  }

  async fetch(id: string): Promise<ISettingRegistry.IPlugin | undefined> {
    const schema = this.schemas[id];
    if (!schema) {
      return undefined;
    }
    return {
      id,
      data: { composite: {}, user: {} },
      raw: this.raw[id] ?? '{}',
      schema,
      version: '0.1.0'
    };
  }

  async list(): Promise<any> {
    throw new Error('Not needed by these tests');
  }

  async save(id: string, raw: string): Promise<void> {
    this.raw[id] = raw;
  }

  async remove(id: string): Promise<void> {
    delete this.raw[id];
  }

  readonly schemas: Record<string, ISettingRegistry.ISchema>;
  readonly raw: Record<string, string> = {};
}

/**
 * The schema with other defaults, as a Studio `overrides.d` file makes it.
 */
function schemaWithDefaults(
  defaults: Record<string, string>
): ISettingRegistry.ISchema {
  const schema = JSONExt.deepCopy(schemaJson as any);
  for (const [key, value] of Object.entries(defaults)) {
    schema.properties[key].default = value;
  }
  return schema;
}

interface ISetup {
  connector: MemoryConnector;
  registry: SettingRegistry;
  commands: { hasCommand: jest.Mock; execute: jest.Mock };
  app: JupyterFrontEnd;
}

function setup(
  options: { schema?: ISettingRegistry.ISchema; raw?: string } = {}
): ISetup {
  const connector = new MemoryConnector({
    [SETTINGS_PLUGIN_ID]: options.schema ?? SCHEMA
  });
  if (options.raw !== undefined) {
    connector.raw[SETTINGS_PLUGIN_ID] = options.raw;
  }
  const registry = new SettingRegistry({ connector });
  const commands = {
    hasCommand: jest.fn((id: string) => id === 'settingeditor:open'),
    execute: jest.fn(async () => undefined)
  };
  const app = {
    commands,
    restored: Promise.resolve()
  } as unknown as JupyterFrontEnd;
  return { connector, registry, commands, app };
}

async function activate(s: ISetup): Promise<IMlflowSettings> {
  const model = await plugin.activate(s.app, s.registry, null);
  await s.app.restored;
  await notifierLoaded();
  return model;
}

/** The problem notifier is loaded with `import()` once there is a problem. */
function notifierLoaded(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 0));
}

function warnings(): Notification.INotification[] {
  return Notification.manager.notifications.filter(n => n.type === 'warning');
}

describe('the settings schema', () => {
  it('declares exactly the settings of the contract, with defaults', () => {
    expect(Object.keys(SCHEMA.properties ?? {}).sort()).toEqual(
      [
        'authFlow',
        'cognitoEndpoint',
        'defaultExperiment',
        'gatewayUrl',
        'region',
        'sidebarSide',
        'userPoolClientId',
        'userPoolId'
      ].sort()
    );
    expect(SCHEMA.additionalProperties).toBe(false);
    expect(SCHEMA['jupyter.lab.setting-icon-label']).toBe('MLflow');
    for (const [name, property] of Object.entries(SCHEMA.properties ?? {})) {
      expect([name, typeof property.title]).toEqual([name, 'string']);
      expect([name, typeof property.description]).toEqual([name, 'string']);
      expect([name, 'default' in property]).toEqual([name, true]);
    }
  });
});

describe(SETTINGS_PLUGIN_ID, () => {
  let consoleWarn: jest.SpyInstance;
  let consoleError: jest.SpyInstance;

  beforeEach(() => {
    consoleWarn = jest.spyOn(console, 'warn');
    consoleError = jest.spyOn(console, 'error');
    jest.spyOn(console, 'debug').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    Notification.manager.dismiss();
  });

  it('is the default export, provides the token and starts by itself', () => {
    expect(plugins[0]).toBe(plugin);
    expect(plugins.map(p => p.id)).toEqual([
      SETTINGS_PLUGIN_ID,
      'sagemaker-studio-mlflow:auth',
      'sagemaker-studio-mlflow:panel',
      'sagemaker-studio-mlflow:run-browser',
      'sagemaker-studio-mlflow:models',
      'sagemaker-studio-mlflow:identity'
    ]);
    expect(plugin.id).toBe(SETTINGS_PLUGIN_ID);
    expect(plugin.autoStart).toBe(true);
    expect(plugin.provides).toBe(IMlflowSettings);
    expect(plugin.requires).toEqual([ISettingRegistry]);
  });

  it('loads the schema defaults quietly', async () => {
    const model = await activate(setup());
    expect(model.config).toEqual({
      gatewayUrl: '',
      region: '',
      userPoolId: '',
      userPoolClientId: '',
      cognitoEndpoint: '',
      authFlow: 'USER_SRP_AUTH',
      defaultExperiment: '',
      sidebarSide: 'right'
    });
    expect(model.isConfigured).toBe(false);
    expect(model.problems).toEqual([]);
    expect(warnings()).toEqual([]);
    expect(consoleWarn).not.toHaveBeenCalled();
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('reads values that overrides put into the schema defaults', async () => {
    const model = await activate(
      setup({
        schema: schemaWithDefaults({
          ...GOOD,
          gatewayUrl: `${GOOD.gatewayUrl}/`,
          sidebarSide: 'left'
        })
      })
    );
    expect(model.isConfigured).toBe(true);
    expect(model.config).toEqual(
      expect.objectContaining({ ...GOOD, sidebarSide: 'left' })
    );
    expect(warnings()).toEqual([]);
    expect(consoleWarn).not.toHaveBeenCalled();
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('reads the user settings over the defaults', async () => {
    const model = await activate(
      setup({ raw: JSON.stringify({ ...GOOD, defaultExperiment: 'churn' }) })
    );
    expect(model.isConfigured).toBe(true);
    expect(model.config.defaultExperiment).toBe('churn');
  });

  it('emits changed with the new config when a setting changes', async () => {
    const s = setup({ raw: JSON.stringify(GOOD) });
    const model = await activate(s);
    const seen: MlflowConfig[] = [];
    model.changed.connect((sender, config) => {
      expect(sender).toBe(model);
      seen.push(config);
    });

    await s.registry.set(SETTINGS_PLUGIN_ID, 'sidebarSide', 'left');

    expect(seen).toHaveLength(1);
    expect(seen[0].sidebarSide).toBe('left');
    expect(model.config.sidebarSide).toBe('left');
    expect(s.connector.raw[SETTINGS_PLUGIN_ID]).toMatch(
      /"sidebarSide": "left"/
    );
  });

  it('stops following the settings once disposed', async () => {
    const s = setup({ raw: JSON.stringify(GOOD) });
    const model = (await activate(s)) as MlflowSettings;
    const changed = jest.fn();
    model.changed.connect(changed);

    model.dispose();
    model.dispose();
    await s.registry.set(SETTINGS_PLUGIN_ID, 'sidebarSide', 'left');

    expect(model.isDisposed).toBe(true);
    expect(changed).not.toHaveBeenCalled();
    expect(model.config.sidebarSide).toBe('right');
  });

  it('does not emit changed when the parsed config stays the same', async () => {
    const s = setup({ raw: JSON.stringify(GOOD) });
    const model = await activate(s);
    const changed = jest.fn();
    model.changed.connect(changed);

    await s.registry.set(SETTINGS_PLUGIN_ID, 'region', ' us-east-1 ');

    expect(changed).not.toHaveBeenCalled();
    expect(model.config.region).toBe('us-east-1');
  });

  it('warns once, naming the problems, when the settings are unusable', async () => {
    const model = await activate(
      setup({
        raw: JSON.stringify({
          ...GOOD,
          gatewayUrl: 'http://mlflow.example.com'
        })
      })
    );
    expect(model.isConfigured).toBe(false);
    expect(model.config.gatewayUrl).toBe('');
    expect(model.problems).toHaveLength(1);
    expect(model.problems[0]).toContain('"gatewayUrl" must use https://');

    const shown = warnings();
    expect(shown).toHaveLength(1);
    expect(shown[0].message).toContain('"gatewayUrl" must use https://');
    expect(shown[0].options.autoClose).toBe(false);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('waits for the shell to be restored before warning', async () => {
    const s = setup({ raw: JSON.stringify({ region: 'us-east-1' }) });
    let restore: () => void = () => undefined;
    const restored = new Promise<void>(resolve => (restore = resolve));
    (s.app as any).restored = restored;

    const model = await plugin.activate(s.app, s.registry, null);
    expect(model.problems).toHaveLength(3);
    expect(warnings()).toEqual([]);

    restore();
    await restored;
    await notifierLoaded();
    expect(warnings()).toHaveLength(1);
  });

  it('offers to open the settings editor from the warning', async () => {
    const s = setup({ raw: JSON.stringify({ gatewayUrl: GOOD.gatewayUrl }) });
    await activate(s);
    const [shown] = warnings();
    expect(shown.message).toContain('3 problems');
    const actions = shown.options.actions ?? [];
    expect(actions.map(a => a.label)).toEqual(['Details', 'Open settings']);

    actions[1].callback(new MouseEvent('click'));
    expect(s.commands.execute).toHaveBeenCalledWith('settingeditor:open', {
      query: 'MLflow'
    });
  });

  it('lists every problem in a dialog from the warning', async () => {
    await activate(
      setup({ raw: JSON.stringify({ gatewayUrl: GOOD.gatewayUrl }) })
    );
    const [shown] = warnings();
    const details = (shown.options.actions ?? [])[0];

    const click = new MouseEvent('click', { cancelable: true });
    details.callback(click);
    await Promise.resolve();
    expect(click.defaultPrevented).toBe(true);

    const items = [...document.querySelectorAll('.jp-MlflowProblems li')].map(
      item => item.textContent
    );
    expect(items).toHaveLength(3);
    expect(items.join(' ')).toMatch(
      /"region".*"userPoolId".*"userPoolClientId"/
    );
    const close = document.querySelector<HTMLButtonElement>(
      '.jp-Dialog-button.jp-mod-accept'
    );
    expect(close?.textContent).toContain('Close');
    close?.click();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(document.querySelector('.jp-MlflowProblems')).toBeNull();
  });

  it('offers no settings editor when there is none', async () => {
    const s = setup({ raw: JSON.stringify({ gatewayUrl: GOOD.gatewayUrl }) });
    s.commands.hasCommand.mockReturnValue(false);
    await activate(s);
    const [shown] = warnings();
    expect((shown.options.actions ?? []).map(a => a.label)).toEqual([
      'Details'
    ]);
  });

  it('replaces the warning when the problems change and withdraws it when they are fixed', async () => {
    const s = setup({ raw: JSON.stringify({ ...GOOD, region: 'nowhere' }) });
    const model = await activate(s);
    const [first] = warnings();
    expect(first.message).toContain('"region"');

    await s.registry.set(SETTINGS_PLUGIN_ID, 'region', 'somewhere');
    const [second, ...others] = warnings();
    expect(others).toEqual([]);
    expect(second.id).not.toBe(first.id);
    expect(second.message).toContain('"somewhere"');

    await s.registry.set(SETTINGS_PLUGIN_ID, 'region', 'us-east-1');
    expect(warnings()).toEqual([]);
    expect(model.isConfigured).toBe(true);
    expect(model.problems).toEqual([]);
  });

  it('still provides the token, with the defaults, when loading fails', async () => {
    consoleError.mockImplementation(() => undefined);
    consoleWarn.mockImplementation(() => undefined);
    const s = setup({ raw: JSON.stringify({ gatewayUrl: 42 }) });
    const model = await activate(s);
    expect(model.isConfigured).toBe(false);
    expect(model.config.gatewayUrl).toBe('');
    expect(model.problems).toHaveLength(1);
    expect(model.problems[0]).toMatch(
      /^The MLflow settings could not be loaded: .*gatewayUrl.*string/
    );
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(warnings()).toHaveLength(1);
  });
});
