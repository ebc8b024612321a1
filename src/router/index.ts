export { Router, RouterError, type RouterOptions, type ListenOptions } from './router.js';
export { anonymousAuthenticator, type Authenticator, type AuthOutcome, type JoinRequest } from './auth.js';
export { ProcedureError, type InternalProcedure, type InternalCallDetails } from './internal-session.js';
export type { Realm } from './realm.js';
export type { Identity, SessionSummary } from './peer.js';
export { routerOptionsSchema, sessionLimitsSchema, type RouterSettings, type SessionLimits } from './options.js';
export { Authorizer, adminOnlyProcedures, builtinRoles, isAdmin, rolesConfigSchema, type AuthorizationAction, type RolesConfig } from './authorization.js';
