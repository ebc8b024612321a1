import { z } from 'zod';
import type { Peer } from './peer.js';

export const authorizationActions = ['call', 'register', 'publish', 'subscribe'] as const;
export type AuthorizationAction = (typeof authorizationActions)[number];

/** Roles the router always has: the loopback owner and the router's own session. Both may do everything. */
export const builtinRoles = ['local', 'router'] as const;

/** The role of a paired device's sessions: built-in defaults, which `auth.roles.device` rules may extend or override. */
export const deviceRoleName = 'device';

/**
 * Procedures that change the mesh or an agent: only an admin role may call them,
 * whatever its rules say. (thoth.deregister of another session and thoth.drain of
 * another's modality are checked by the mesh, which knows who provides what.)
 */
export const adminOnlyProcedures: ReadonlySet<string> = new Set([
  'thoth.device.drop',
  'thoth.modality.kill',
  'thoth.device.keys',
  'thoth.device.approve',
  'thoth.device.revoke',
  'agent.plugins.load',
  'agent.plugins.unload',
  'agent.plugins.reload',
  'agent.shutdown',
]);

const ruleSchema = z.strictObject({
  uri: z.string().min(1),
  match: z.enum(['exact', 'prefix', 'wildcard']).default('exact'),
  actions: z.array(z.enum(authorizationActions)).min(1),
  allow: z.boolean(),
});

const roleSchema = z.strictObject({
  rules: z.array(ruleSchema).default([]),
  /** An admin may do everything, admin-only procedures included; its rules are not consulted. */
  admin: z.boolean().optional(),
});

/** The router config's `auth.roles`: role name -> rules. */
export const rolesConfigSchema = z.record(z.string().min(1), roleSchema).superRefine((roles, ctx) => {
  for (const name of builtinRoles) {
    if (name in roles) ctx.addIssue({ code: 'custom', message: `role "${name}" is built in (it may do everything) and cannot be configured`, path: [name] });
  }
});

export type RolesConfig = z.input<typeof rolesConfigSchema>;
export type AuthorizationRule = z.output<typeof ruleSchema>;

const maxCachedDecisions = 1024;

/** How a REGISTER or SUBSCRIBE matches (CALL and PUBLISH name one URI: exact). */
export type PatternMatch = 'exact' | 'prefix' | 'wildcard';

/** A role's rules for one action, sorted for "most specific wins". */
interface ActionRules {
  exact: Map<string, boolean>;
  /** Longest first. */
  prefixes: { uri: string; allow: boolean }[];
  /** More fixed components first. */
  wildcards: { parts: string[]; allow: boolean }[];
}

/**
 * What a session's checks consult. `invoke`: a REGISTER's invoke policy ('single'
 * when it gave none); undefined for the other actions.
 */
export interface Policy {
  allows(action: AuthorizationAction, uri: string, match?: PatternMatch, invoke?: string): boolean;
  /** Why a refused request was refused, when there is more to say than "not authorized to <action> <uri>". */
  refusal?(action: AuthorizationAction, uri: string, match: PatternMatch, invoke: string | undefined): string | undefined;
}

/** One role's compiled rules. */
export class RolePolicy implements Policy {
  private readonly byAction = new Map<AuthorizationAction, ActionRules>();

  constructor(readonly name: string, rules: readonly AuthorizationRule[]) {
    for (const action of authorizationActions) {
      const applying = rules.filter((r) => r.actions.includes(action));
      const exact = new Map<string, boolean>();
      // Two rules for the same pattern that disagree: deny wins.
      for (const r of applying) if (r.match === 'exact') exact.set(r.uri, (exact.get(r.uri) ?? true) && r.allow);
      const prefixes = applying.filter((r) => r.match === 'prefix').map((r) => ({ uri: r.uri, allow: r.allow }))
        .sort((a, b) => b.uri.length - a.uri.length || Number(a.allow) - Number(b.allow));
      const wildcards = applying.filter((r) => r.match === 'wildcard').map((r) => ({ parts: r.uri.split('.'), allow: r.allow }))
        .sort((a, b) => fixedParts(b.parts) - fixedParts(a.parts) || Number(a.allow) - Number(b.allow));
      this.byAction.set(action, { exact, prefixes, wildcards });
    }
  }

  /**
   * Exact, then the longest prefix, then the most specific wildcard; nothing
   * matching: deny. A pattern (a prefix or wildcard REGISTER/SUBSCRIBE) is allowed
   * only by a rule that covers every URI the pattern can match.
   */
  allows(action: AuthorizationAction, uri: string, match: PatternMatch = 'exact'): boolean {
    return this.decide(action, uri, match) === true;
  }

  /** Like allows, but undefined when no rule matches at all. */
  decide(action: AuthorizationAction, uri: string, match: PatternMatch = 'exact'): boolean | undefined {
    if (action === 'call' && adminOnlyProcedures.has(uri)) return false;
    const rules = this.byAction.get(action)!;
    if (match === 'exact') {
      const exact = rules.exact.get(uri);
      if (exact !== undefined) return exact;
    }
    const fixedStart = match === 'wildcard' ? literalPrefix(uri) : uri;
    let allowed: boolean | undefined;
    for (const p of rules.prefixes) {
      if (fixedStart.startsWith(p.uri)) {
        allowed = p.allow;
        break;
      }
    }
    if (allowed === undefined && match !== 'prefix') {
      const parts = uri.split('.');
      allowed = rules.wildcards.find((w) => wildcardMatches(w.parts, parts))?.allow;
    }
    if (allowed === undefined) return undefined;
    return allowed && (match === 'exact' || !deniesInside(rules, uri, match));
  }
}

/**
 * The one invoke policy a device may use outside its namespace by default. With
 * 'roundrobin' every device offering a procedure takes its turn at untargeted calls
 * and joining never fails for a device that uses it too; 'first' or 'last' would let
 * one device take every untargeted call, 'single' would keep every other device out,
 * and 'random' (or any policy but the one the others use) would make their
 * REGISTER fail (procedure_exists_with_different_invocation_policy). The agent and
 * the built-in plugins register with it.
 */
export const deviceSharedInvoke = 'roundrobin';

/**
 * A paired device (role device, authid = its device id). By default it may call,
 * subscribe and publish anything but the router's own topics, and register: anything
 * in its own namespace `device.<id>.` (any match, any invoke policy), nothing in
 * another device's, nothing under thoth./wamp., and elsewhere only exact URIs with
 * invoke 'roundrobin' (deviceSharedInvoke): the device-targetable procedures every
 * device offers side by side (fs.read, picked by `_device`), which can neither take
 * another device's calls nor keep it out. Rules configured for the role come first:
 * where one matches, it decides (that is how an owner grants more).
 */
export class DevicePolicy implements Policy {
  private readonly namespace: string;
  private readonly defaults: RolePolicy;

  constructor(device: string, private readonly configured: RolePolicy | undefined) {
    this.namespace = `device.${device}.`;
    this.defaults = new RolePolicy(deviceRoleName, [
      { uri: '', match: 'prefix', actions: ['call', 'subscribe', 'publish', 'register'], allow: true },
      { uri: 'thoth.', match: 'prefix', actions: ['publish', 'register'], allow: false },
      { uri: 'wamp.', match: 'prefix', actions: ['publish', 'register'], allow: false },
      { uri: 'device.', match: 'prefix', actions: ['register'], allow: false },
      { uri: this.namespace, match: 'prefix', actions: ['register'], allow: true },
    ]);
  }

  allows(action: AuthorizationAction, uri: string, match: PatternMatch = 'exact', invoke?: string): boolean {
    const configured = this.configured?.decide(action, uri, match);
    if (configured !== undefined) return configured;
    if (action === 'register' && !this.inNamespace(uri, match) && (match !== 'exact' || invoke !== deviceSharedInvoke)) return false;
    return this.defaults.allows(action, uri, match);
  }

  refusal(action: AuthorizationAction, uri: string, match: PatternMatch, invoke: string | undefined): string | undefined {
    if (action !== 'register' || this.inNamespace(uri, match) || this.configured?.decide(action, uri, match) !== undefined) return undefined;
    const grant = 'a rule in auth.roles.device can grant more';
    if ((match === 'wildcard' ? literalPrefix(uri) : uri).startsWith('device.')) {
      return `not authorized to register ${uri}: it is in another device's namespace (this device registers in ${this.namespace} only)`;
    }
    if (!this.defaults.allows(action, uri, match)) return undefined;
    if (match !== 'exact') {
      return `not authorized to register ${uri} as a ${match} pattern: outside its namespace ${this.namespace} a device registers exact procedures only, with invoke '${deviceSharedInvoke}' (${grant})`;
    }
    return `not authorized to register ${uri} with invoke '${invoke ?? 'single'}': outside its namespace ${this.namespace} a device may only share a procedure with invoke '${deviceSharedInvoke}', so that it can neither take other devices' calls nor keep them out (${grant})`;
  }

  private inNamespace(uri: string, match: PatternMatch): boolean {
    return (match === 'wildcard' ? literalPrefix(uri) : uri).startsWith(this.namespace);
  }
}

/**
 * One session's permissions: its role's policy and the decisions taken so far,
 * one bounded Map per action so the hot path is a single lookup.
 */
export class SessionPermissions {
  private readonly cache = new Map<AuthorizationAction, Map<string, boolean>>(authorizationActions.map((a) => [a, new Map()]));

  constructor(readonly policy: Policy) {}

  allows(action: AuthorizationAction, uri: string, match: PatternMatch = 'exact', invoke?: string): boolean {
    const decisions = this.cache.get(action)!;
    // A space never occurs in a valid URI, so a pattern's (or an invoke policy's) key cannot collide with a URI.
    const key = match === 'exact' && invoke === undefined ? uri : `${match}${invoke === undefined ? '' : `:${invoke}`} ${uri}`;
    const cached = decisions.get(key);
    if (cached !== undefined) return cached;
    const decision = this.policy.allows(action, uri, match, invoke);
    if (decisions.size >= maxCachedDecisions) decisions.delete(decisions.keys().next().value!);
    decisions.set(key, decision);
    return decision;
  }

  /** The message of a refusal: the policy's reason, or "not authorized to <action> <uri>". */
  refusal(action: AuthorizationAction, uri: string, match: PatternMatch = 'exact', invoke?: string): string {
    return this.policy.refusal?.(action, uri, match, invoke) ?? notAuthorizedMessage(action, uri);
  }

  /** How many decisions are cached for an action (tests). */
  cachedCount(action: AuthorizationAction): number {
    return this.cache.get(action)!.size;
  }
}

const denyAll = new RolePolicy('', []);

/** The router's roles: who is an admin, and the policy of everyone else. */
export class Authorizer {
  private readonly policies = new Map<string, RolePolicy>();
  private readonly admins = new Set<string>(builtinRoles);

  constructor(roles: RolesConfig | undefined = undefined) {
    const parsed = rolesConfigSchema.parse(roles ?? {});
    for (const [name, role] of Object.entries(parsed)) {
      if (role.admin === true) this.admins.add(name);
      else this.policies.set(name, new RolePolicy(name, role.rules));
    }
  }

  isAdminRole(role: string): boolean {
    return this.admins.has(role);
  }

  /** Whether the role has an entry (built-in or configured). */
  knows(role: string): boolean {
    return this.admins.has(role) || role === deviceRoleName || this.policies.has(role);
  }

  /** A new session's permissions; undefined for an admin (no checks at all). Unknown roles get nothing. */
  permissionsFor(role: string, authid = ''): SessionPermissions | undefined {
    if (this.admins.has(role)) return undefined;
    if (role === deviceRoleName) return new SessionPermissions(new DevicePolicy(authid, this.policies.get(role)));
    return new SessionPermissions(this.policies.get(role) ?? denyAll);
  }
}

/** True for the router, local (loopback) sessions and admin roles. */
export function isAdmin(peer: Peer): boolean {
  return peer.permissions === undefined;
}

export function notAuthorizedMessage(action: AuthorizationAction, uri: string): string {
  if (action === 'call' && adminOnlyProcedures.has(uri)) return `not authorized to call ${uri}: it is admin-only`;
  return `not authorized to ${action} ${uri}`;
}

function wildcardMatches(pattern: string[], parts: string[]): boolean {
  if (pattern.length !== parts.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p !== '' && p !== parts[i]) return false;
  }
  return true;
}

/** Whether a deny rule could match some URI the pattern matches (then the pattern is refused as a whole). */
function deniesInside(rules: ActionRules, pattern: string, match: 'prefix' | 'wildcard'): boolean {
  const parts = pattern.split('.');
  const start = match === 'prefix' ? pattern : literalPrefix(pattern);
  const overlapsPrefix = (prefix: string): boolean => prefix.startsWith(start) || start.startsWith(prefix);
  for (const [uri, allow] of rules.exact) {
    if (!allow && (match === 'prefix' ? uri.startsWith(pattern) : wildcardMatches(parts, uri.split('.')))) return true;
  }
  for (const p of rules.prefixes) if (!p.allow && overlapsPrefix(p.uri)) return true;
  for (const w of rules.wildcards) {
    if (w.allow) continue;
    if (match === 'prefix' ? overlapsPrefix(literalPrefix(w.parts.join('.'))) : wildcardsOverlap(w.parts, parts)) return true;
  }
  return false;
}

/** Two wildcard patterns of the same length whose fixed components never disagree match a common URI. */
function wildcardsOverlap(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((part, i) => part === '' || b[i] === '' || part === b[i]);
}

/** The part of a wildcard pattern before its first wildcard component: every match starts with it. */
function literalPrefix(pattern: string): string {
  const parts = pattern.split('.');
  const first = parts.indexOf('');
  return first === -1 ? pattern : first === 0 ? '' : parts.slice(0, first).join('.') + '.';
}

function fixedParts(parts: string[]): number {
  let fixed = 0;
  for (const p of parts) if (p !== '') fixed++;
  return fixed;
}
