/**
 * The paths the gateway refuses before routing: those MLflow would route
 * otherwise than the gateway matches them. API Gateway (and the policies
 * the permission model writes) match the raw path; MLflow decodes
 * percent-escapes first. So an encoded `/` or `\` hides a separator from
 * the gateway (`traces/x%2Fassessments%2Fy` matches the allow of
 * `traces/{trace_id}`, not the deny of the assessments below it), an
 * escaped letter hides a literal route
 * (`traces/%67et` looks like `traces/{trace_id}` but runs `traces/get`),
 * and a dot segment may be resolved on the way.
 *
 * A path needs an escape only for a character that may not stand in it as
 * it is; escapes of the unreserved characters (RFC 3986: ALPHA / DIGIT /
 * `-` / `.` / `_` / `~`) change nothing but how the gateway reads the path,
 * and no client sends them (`encodeURIComponent`, Python's `quote` and
 * `requests` leave those characters as they are).
 *
 * One definition for both gateways: the web ACL in front of API Gateway
 * (a regex pattern set over the URI path, lower-cased first) and the local
 * gateway evaluate the same patterns. They are written in the syntax AWS
 * WAF's PCRE and JavaScript read alike: no capturing groups, backreferences
 * or lookarounds.
 */

/** A pattern of the set, and what it refuses. */
export interface RefusedPathPattern {
  /** A regular expression over the lower-cased raw path. */
  readonly regex: string;
  readonly refuses: string;
}

export const REFUSED_PATH_PATTERNS: readonly RefusedPathPattern[] = [
  {
    // %2f `/`, %5c `\`, and the unreserved: %2d-%2e `-` `.`, %30-%39
    // digits, %41-%5a and %61-%7a letters, %5f `_`, %7e `~`.
    regex: '%(?:2[d-f]|3[0-9]|4[1-9a-f]|5[0-9acf]|6[1-9a-f]|7[0-9ae])',
    refuses: 'an encoded separator or an escape of a character that needs none'
  },
  {
    regex: '%(?:[^0-9a-f]|[0-9a-f][^0-9a-f]|[0-9a-f]?$)',
    refuses: 'a malformed escape'
  },
  { regex: '/\\.\\.?(?:/|$)', refuses: 'a dot segment' },
  { regex: '\\\\', refuses: 'a backslash' }
];

const COMPILED = REFUSED_PATH_PATTERNS.map(
  pattern => new RegExp(pattern.regex)
);

/**
 * Whether the gateway refuses this raw request path (no query string)
 * before routing, as the web ACL does.
 */
export function isRefusedPath(path: string): boolean {
  const lowered = path.toLowerCase();
  return COMPILED.some(regex => regex.test(lowered));
}
