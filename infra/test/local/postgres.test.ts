import {
  DEFAULT_DATABASE,
  DEFAULT_POSTGRES_PORT,
  POSTGRES_BIN,
  asServerUser,
  parseDatabaseKind,
  postgresLaunch,
  postgresServer,
  serverUserDataDir,
  postgresSettings,
  resolvePostgresPort
} from '../../local/postgres';

describe('the local stack’s PostgreSQL', () => {
  it('takes --db sqlite or postgres, and refuses anything else by name', () => {
    expect(parseDatabaseKind(undefined)).toBe(DEFAULT_DATABASE);
    expect(parseDatabaseKind('postgres')).toBe('postgres');
    expect(parseDatabaseKind('sqlite')).toBe('sqlite');
    expect(() => parseDatabaseKind('mysql')).toThrow(
      '--db must be one of sqlite, postgres, not "mysql".'
    );
  });

  it('takes its port from the flag, then LOCAL_POSTGRES_PORT, then the default', () => {
    expect(resolvePostgresPort(undefined, {})).toBe(DEFAULT_POSTGRES_PORT);
    expect(
      resolvePostgresPort(undefined, { LOCAL_POSTGRES_PORT: '5632' })
    ).toBe(5632);
    expect(resolvePostgresPort('6000', { LOCAL_POSTGRES_PORT: '5632' })).toBe(
      6000
    );
    expect(() => resolvePostgresPort('80', {})).toThrow(
      '--postgres-port must be a whole number from 1024 to 65535, not "80".'
    );
    expect(() =>
      resolvePostgresPort(undefined, { LOCAL_POSTGRES_PORT: 'x' })
    ).toThrow('LOCAL_POSTGRES_PORT must be');
  });

  it('runs the server as Debian’s postgres user when the stack runs as root, which PostgreSQL refuses', () => {
    const asRoot = postgresServer(5632, 'pw', 0, () => '/var/lib/postgresql');
    expect(postgresLaunch(asRoot)).toEqual({
      command: 'setpriv',
      args: [
        '--reuid=postgres',
        '--regid=postgres',
        '--init-groups',
        `${POSTGRES_BIN}/postgres`,
        '-D',
        asRoot.dataDir
      ]
    });
    const asUser = postgresServer(5632, 'pw', 1000);
    expect(asServerUser(asUser, 'pg_ctl', ['status'])).toEqual({
      command: `${POSTGRES_BIN}/pg_ctl`,
      args: ['status']
    });
    expect(asUser.dataDir).toMatch(/\/\.local\/postgres$/);
  });

  it('keeps a root-run cluster in the postgres user’s home, one per checkout, since a checkout may be closed to that user', () => {
    const asRoot = postgresServer(5632, 'pw', 0, () => '/var/lib/postgresql');
    expect(asRoot.dataDir).toMatch(
      /^\/var\/lib\/postgresql\/sagemaker-studio-mlflow\/[0-9a-f]{16}$/
    );
    expect(serverUserDataDir('/h', '/a/.local')).not.toEqual(
      serverUserDataDir('/h', '/b/.local')
    );
    expect(serverUserDataDir('/h', '/a/.local')).toEqual(
      serverUserDataDir('/h', '/a/.local')
    );
  });

  it('listens on loopback TCP only, its port, with durable commits', () => {
    const settings = postgresSettings(5632);
    expect(settings).toContain('port = 5632');
    expect(settings).toContain("listen_addresses = '127.0.0.1'");
    expect(settings).toContain("unix_socket_directories = ''");
    expect(settings).toContain('fsync = on');
    expect(settings).toContain('synchronous_commit = on');
  });
});
