import * as net from 'node:net';

import { DEFAULT_PORTS, resolvePorts } from '../../local/config';
import { isPortInUse } from '../../local/processes';

describe('resolvePorts', () => {
  it('uses the defaults when nothing is set', () => {
    expect(resolvePorts({}, {})).toEqual(DEFAULT_PORTS);
  });

  it('takes a flag over the environment over the default', () => {
    const ports = resolvePorts(
      { gateway: '9100' },
      { LOCAL_GATEWAY_PORT: '9200', LOCAL_MLFLOW_PORT: '9300' }
    );
    expect(ports.gateway).toBe(9100);
    expect(ports.mlflow).toBe(9300);
    expect(ports.jupyterlab).toBe(DEFAULT_PORTS.jupyterlab);
  });

  it.each(['abc', '80', '70000', '12.5', '-1'])(
    'refuses the port %p and names its source',
    raw => {
      expect(() => resolvePorts({ mlflow: raw }, {})).toThrow(
        '--mlflow-port must be a whole number'
      );
      expect(() => resolvePorts({}, { LOCAL_MLFLOW_PORT: raw })).toThrow(
        'LOCAL_MLFLOW_PORT must be'
      );
    }
  );

  it('refuses two services on one port', () => {
    expect(() =>
      resolvePorts({ gateway: '9000', jupyterlab: '9000' }, {})
    ).toThrow('gateway and jupyterlab cannot both use port 9000');
  });
});

describe('isPortInUse', () => {
  it('tells a taken port from a free one', async () => {
    const server = net.createServer();
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(await isPortInUse(port)).toBe(true);
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
    expect(await isPortInUse(port)).toBe(false);
  });
});
