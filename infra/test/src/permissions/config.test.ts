import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadPermissionsConfig } from '../../../src/permissions/config';

describe('loadPermissionsConfig', () => {
  let dir: string;
  const write = (content: string): string => {
    const file = path.join(dir, 'roles.json');
    fs.writeFileSync(file, content);
    return file;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roles-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('means the built-in roles only when there is no file', () => {
    expect(loadPermissionsConfig(path.join(dir, 'absent.json'))).toEqual({});
  });

  it('reads operator roles', () => {
    const roles = [
      {
        name: 'trackers',
        description: 'Readers who also log runs.',
        extends: 'readers',
        allow: ['family:tracking']
      }
    ];
    expect(loadPermissionsConfig(write(JSON.stringify({ roles })))).toEqual({
      roles
    });
  });

  it.each([
    ['{', /is not valid JSON/],
    ['[]', /must hold \{"roles": \[\.\.\.\]\}/],
    ['{"roles": {}}', /must hold/],
    [
      '{"roles": [{"name": "readers", "description": "", "allow": []}]}',
      /Invalid .*roles\.json:\n {2}- role "readers": clashes with the built-in role "readers"/
    ],
    [
      '{"roles": [{"name": "x", "description": "", "allow": ["mcp-servers.get"]}]}',
      /role "x": A policy cannot allow mcp-servers\.get without/
    ]
  ])('refuses %s with a clear message', (content, message) => {
    expect(() => loadPermissionsConfig(write(content))).toThrow(message);
  });
});
