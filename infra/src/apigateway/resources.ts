/**
 * API Gateway's resource tree and how it picks the method that serves a
 * request. A request whose path has no resource, or whose resource has
 * neither its method nor `ANY`, is refused (403, Missing Authentication
 * Token) before any authorization runs.
 */

/** A method of the API: a resource path (`/a/{b}/{c+}`) and an HTTP method or `ANY`. */
export interface ResourceMethod {
  readonly path: string;
  readonly method: string;
}

/** A path template as API Gateway can hold it: a segment with a parameter inside it (`{id}:run`) makes the rest greedy. */
export function resourcePath(template: string): string {
  const segments = template.split('/').slice(1);
  const kept: string[] = [];
  for (const segment of segments) {
    if (/^\{[A-Za-z_][A-Za-z0-9_]*\+?\}$/.test(segment)) {
      kept.push(segment);
      if (segment.endsWith('+}')) {
        break;
      }
    } else if (segment.includes('{')) {
      kept.push('{proxy+}');
      break;
    } else {
      kept.push(segment);
    }
  }
  return `/${kept.join('/')}`;
}

/** Every resource an API with these paths has: each path and all its parents. */
export function resourceTree(paths: Iterable<string>): string[] {
  const tree = new Set<string>(['/']);
  for (const path of paths) {
    const parts = path.split('/').slice(1);
    parts.forEach((_, i) => tree.add(`/${parts.slice(0, i + 1).join('/')}`));
  }
  return [...tree].sort();
}

/**
 * API Gateway's choice of a resource for a request path: at each level a
 * static segment wins over a `{param}`, which wins over a greedy `{name+}`
 * (which takes the rest of the path). A resource without the request's
 * method does not pass the request on: the caller gets 403.
 */
export function matchResource(
  resources: readonly string[],
  requestPath: string
): string | undefined {
  if (requestPath === '/') {
    return resources.includes('/') ? '/' : undefined;
  }
  const segments = requestPath.split('/').slice(1);
  const rank = (parts: string[]): number[] | undefined => {
    const ranks: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part.endsWith('+}')) {
        return i < segments.length ? [...ranks, 0] : undefined;
      }
      if (i >= segments.length || segments[i] === '') {
        return undefined;
      }
      if (part.startsWith('{')) {
        ranks.push(1);
      } else if (part === segments[i]) {
        ranks.push(2);
      } else {
        return undefined;
      }
    }
    return parts.length === segments.length ? ranks : undefined;
  };
  let best: { path: string; ranks: number[] } | undefined;
  for (const path of resources) {
    if (path === '/') {
      continue;
    }
    const ranks = rank(path.split('/').slice(1));
    if (ranks !== undefined && (!best || compareRanks(ranks, best.ranks) > 0)) {
      best = { path, ranks };
    }
  }
  return best?.path;
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

/**
 * The method that serves requests to an API with these methods: the
 * request's method on the resource API Gateway picks, else that resource's
 * `ANY`; undefined when API Gateway would refuse the request for want of one.
 */
export function methodMatcher<M extends ResourceMethod>(
  methods: readonly M[]
): (method: string, path: string) => M | undefined {
  const tree = resourceTree(methods.map(m => m.path));
  const byKey = new Map(methods.map(m => [`${m.method} ${m.path}`, m]));
  return (method, path) => {
    const resource = matchResource(tree, path);
    return resource === undefined
      ? undefined
      : (byKey.get(`${method} ${resource}`) ?? byKey.get(`ANY ${resource}`));
  };
}

/** {@link methodMatcher} for one request. */
export function routeOf<M extends ResourceMethod>(
  methods: readonly M[],
  method: string,
  path: string
): M | undefined {
  return methodMatcher(methods)(method, path);
}
