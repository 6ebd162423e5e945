import fc from 'fast-check';

import {
  REFUSED_PATH_PATTERNS,
  isRefusedPath
} from '../../../src/apigateway/path-canonical';
import {
  OPERATIONS,
  matchOperation,
  pathTemplates
} from '../../../src/permissions';

/** The path MLflow routes: uvicorn percent-decodes the raw path (UTF-8). */
function decodedAsMlflow(raw: string): string {
  const bytes = raw.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16))
  );
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** A path of the template, its parameters filled in. */
function fill(template: string, value: string): string {
  return template.replace(/\{\w+(\+?)\}/g, (_, greedy: string) =>
    greedy ? `${value}/${value}.txt` : value
  );
}

/** The raw path with the characters at these positions percent-escaped. */
function escapeAt(
  path: string,
  positions: readonly number[],
  upper: boolean
): string {
  const at = new Set(positions.map(p => 1 + (p % (path.length - 1))));
  return [...path]
    .map((char, i) => {
      if (!at.has(i)) {
        return char;
      }
      const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
      return `%${upper ? hex.toUpperCase() : hex}`;
    })
    .join('');
}

describe('the paths the gateway refuses before routing', () => {
  it.each([
    ['an encoded slash', '/api/2.0/mlflow/experiments%2Fdelete'],
    ['an encoded slash, lower case', '/api/2.0/mlflow/experiments%2fdelete'],
    ['an encoded backslash', '/api/2.0/mlflow/experiments%5Cdelete'],
    ['an encoded backslash, lower case', '/a/b%5cc'],
    ['a backslash', '/a\\b'],
    ['a hidden deny', '/api/3.0/mlflow/traces/x%2Fassessments%2Fy'],
    ['an escaped letter (get)', '/api/3.0/mlflow/traces/%67et'],
    ['an escaped capital', '/api/3.0/mlflow/traces/%47ET'],
    ['the first and last letters', '/a/%41%5A%61%7a'],
    ['an escaped digit', '/api/%32.0/mlflow'],
    ['escaped 0 and 9', '/a/%30%39'],
    ['an escaped hyphen', '/a/b%2Dc'],
    ['an escaped dot', '/a/b%2ec'],
    ['an escaped underscore', '/a/b%5Fc'],
    ['an escaped tilde', '/a/b%7ec'],
    ['an encoded dot segment', '/a/%2E%2E/b'],
    ['a dot segment', '/a/../b'],
    ['a dot segment at the end', '/a/..'],
    ['a single dot', '/a/./b'],
    ['a single dot at the end', '/a/.'],
    ['a dot segment first', '/../a'],
    ['a bad escape', '/a/%zz'],
    ['a half bad escape', '/a/%2g'],
    ['a cut escape', '/a/b%2'],
    ['a bare percent sign', '/a/b%']
  ])('refuses %s', (_, path) => {
    expect(isRefusedPath(path)).toBe(true);
  });

  it.each([
    ['an MLflow route', '/api/2.0/mlflow/experiments/search'],
    ['a UI route', '/ajax-api/3.0/mlflow/traces/tr-1/assessments/a-1'],
    [
      'escapes that are needed',
      '/ajax-api/2.0/mlflow-artifacts/artifacts/1/a%20b%3Ac.txt'
    ],
    ['an encoded percent sign', '/a/100%25'],
    ['UTF-8', '/a/caf%C3%A9'],
    [
      'reserved and other characters',
      '/a/%21%23%24%26%27%28%29%2A%2B%2C%3B%3D%3F%40%5B%5D'
    ],
    [
      'the neighbours of the unreserved ranges',
      '/a/%2C%2F%40%5B%5E%60%7B%7F'.replace('%2F', '%22')
    ],
    ['dots in names', '/a/.hidden/..b/b../...'],
    ['a trailing slash', '/api/2.0/mlflow/experiments/search/']
  ])('lets through %s', (_, path) => {
    expect(isRefusedPath(path)).toBe(false);
  });

  it('fits AWS WAF’s regex pattern sets, in the syntax PCRE and JavaScript read alike', () => {
    expect(REFUSED_PATH_PATTERNS.length).toBeLessThanOrEqual(10);
    for (const { regex } of REFUSED_PATH_PATTERNS) {
      expect(regex.length).toBeLessThanOrEqual(200);
      // No capturing groups, lookarounds or backreferences.
      expect(regex).not.toMatch(/\((?!\?:)|\(\?[=!<]|\\[1-9]/);
      // Lower case only: WAF lower-cases the path first (LOWERCASE).
      expect(regex).toBe(regex.toLowerCase());
      expect(() => new RegExp(regex, 'u')).not.toThrow();
    }
  });

  it('leaves MLflow no path it would route to another operation than the gateway matched (property)', () => {
    const entries = OPERATIONS.flatMap(op =>
      pathTemplates(op).map(template => ({ op, template }))
    );
    let unrefusedEscapes = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...entries),
        fc.stringMatching(/^[A-Za-z0-9._~ :@!$&'()*+,;=-]{1,8}$/),
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        ({ op, template }, value, positions, upper) => {
          const path = fill(template, encodeURIComponent(value));
          const raw = escapeAt(path, positions, upper);
          const seen = matchOperation(op.method, raw);
          if (isRefusedPath(raw) || seen === undefined) {
            return true;
          }
          unrefusedEscapes += raw.includes('%') ? 1 : 0;
          return matchOperation(op.method, decodedAsMlflow(raw)) === seen;
        }
      ),
      { numRuns: 3000 }
    );
    // The property held for escapes that got through, not only for refusals.
    expect(unrefusedEscapes).toBeGreaterThan(20);
  });

  it('caught the escaped letter that made traces.get look like traces.get-info', () => {
    const raw = '/api/3.0/mlflow/traces/%67et';
    expect(matchOperation('GET', decodedAsMlflow(raw))?.id).toBe('traces.get');
    expect(isRefusedPath(raw)).toBe(true);
    expect(matchOperation('GET', raw)).toBeUndefined();
  });
});
