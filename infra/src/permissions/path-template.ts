/**
 * Path templates and how a request path is matched against them.
 *
 * Matching is by exact, case-sensitive segments on the path as it arrives,
 * without decoding or normalising it: a path spelled differently from the
 * template does not match, and an unmatched request is denied. Paths that
 * MLflow's server would read differently from the gateway (encoded slashes,
 * needless escapes, dot segments) are refused before matching; see
 * `isMatchablePath`.
 */
import { isRefusedPath } from '../apigateway/path-canonical';

/** How specific a segment match is: lower wins when templates overlap. */
export enum SegmentRank {
  Literal = 0,
  ParamWithSuffix = 1,
  Param = 2,
  Greedy = 3
}

export type SegmentPattern =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string; readonly suffix: string }
  | { readonly kind: 'greedy'; readonly name: string };

export interface PathTemplate {
  readonly source: string;
  readonly segments: readonly SegmentPattern[];
}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}(.*)$/;

export class InvalidPathTemplateError extends Error {
  constructor(template: string, reason: string) {
    super(`Invalid path template ${JSON.stringify(template)}: ${reason}`);
    this.name = 'InvalidPathTemplateError';
  }
}

/** Parses `/a/{b}/{c+}/{d}:suffix` into segment patterns. */
export function parsePathTemplate(template: string): PathTemplate {
  if (!template.startsWith('/')) {
    throw new InvalidPathTemplateError(template, 'must start with "/"');
  }
  const segments = template
    .slice(1)
    .split('/')
    .map(segment => parseSegment(template, segment));
  segments.forEach((segment, index) => {
    // Two greedy parameters in a row could split the path anywhere.
    if (segment.kind === 'greedy' && segments[index + 1]?.kind === 'greedy') {
      throw new InvalidPathTemplateError(
        template,
        'adjacent greedy parameters'
      );
    }
  });
  return { source: template, segments };
}

function parseSegment(template: string, segment: string): SegmentPattern {
  const param = PARAM.exec(segment);
  if (param === null) {
    if (/[{}]/.test(segment)) {
      throw new InvalidPathTemplateError(template, `bad segment "${segment}"`);
    }
    return { kind: 'literal', text: segment };
  }
  const [, name, greedy, suffix] = param;
  if (/[{}]/.test(suffix)) {
    throw new InvalidPathTemplateError(template, `bad segment "${segment}"`);
  }
  if (greedy) {
    if (suffix !== '') {
      throw new InvalidPathTemplateError(
        template,
        'greedy parameter with suffix'
      );
    }
    return { kind: 'greedy', name };
  }
  return { kind: 'param', name, suffix };
}

/** Longer paths are refused rather than matched: no MLflow route needs them. */
export const MAX_PATH_SEGMENTS = 256;

/**
 * Whether a raw request path can be matched at all. MLflow's server decodes
 * percent-escapes before routing, so paths it would route otherwise than
 * they read (`isRefusedPath`: encoded separators, needless escapes, dot
 * segments) are refused, as are query strings and fragments (the caller
 * passes the path only).
 */
export function isMatchablePath(path: string): boolean {
  if (!path.startsWith('/') || /[?#]/.test(path) || isRefusedPath(path)) {
    return false;
  }
  return pathSegments(path).length <= MAX_PATH_SEGMENTS;
}

/** Splits a matchable path into its raw segments. */
export function pathSegments(path: string): string[] {
  return path.slice(1).split('/');
}

/**
 * Matches raw segments against a template. Returns the rank of the pattern
 * that consumed each segment, choosing the most specific way to match when a
 * greedy parameter leaves several, or undefined when the template does not
 * match. Parameters never match an empty segment.
 */
export function matchPathTemplate(
  template: PathTemplate,
  segments: readonly string[]
): SegmentRank[] | undefined {
  const patterns = template.segments;
  const ranks: SegmentRank[] = new Array(segments.length);
  const failed = new Set<number>();

  // Depth-first over (pattern, segment) positions, trying the choice with the
  // lower rank first, so the first success is the most specific match.
  const search = (p: number, s: number): boolean => {
    if (p === patterns.length || s === segments.length) {
      return p === patterns.length && s === segments.length;
    }
    const key = p * (segments.length + 1) + s;
    if (failed.has(key)) {
      return false;
    }
    const pattern = patterns[p];
    const segment = segments[s];
    let found = false;
    switch (pattern.kind) {
      case 'literal':
        ranks[s] = SegmentRank.Literal;
        found = segment === pattern.text && search(p + 1, s + 1);
        break;
      case 'param':
        ranks[s] =
          pattern.suffix === ''
            ? SegmentRank.Param
            : SegmentRank.ParamWithSuffix;
        found =
          segment.length > pattern.suffix.length &&
          segment.endsWith(pattern.suffix) &&
          search(p + 1, s + 1);
        break;
      case 'greedy':
        ranks[s] = SegmentRank.Greedy;
        // Stop here and let the next pattern take the next segment (a lower
        // rank than staying greedy), else take the next segment too.
        found = segment !== '' && (search(p + 1, s + 1) || search(p, s + 1));
        break;
    }
    if (!found) {
      failed.add(key);
    }
    return found;
  };

  return search(0, 0) ? ranks : undefined;
}

/** Negative when `a` is the more specific match, 0 when equally specific. */
export function compareRanks(
  a: readonly SegmentRank[],
  b: readonly SegmentRank[]
): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return a[i] - b[i];
    }
  }
  return a.length - b.length;
}

/**
 * The template with parameter names erased: two templates with the same
 * shape match exactly the same paths.
 */
export function templateShape(template: PathTemplate): string {
  return (
    '/' +
    template.segments
      .map(segment => {
        switch (segment.kind) {
          case 'literal':
            return segment.text;
          case 'param':
            return `{}${segment.suffix}`;
          case 'greedy':
            return '{+}';
        }
      })
      .join('/')
  );
}
