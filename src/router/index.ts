export { Router, RouterError, type RouterOptions, type ListenOptions, type Endpoint } from './router.js';
export { anonymousAuthenticator, type Authenticator, type AuthOutcome, type JoinRequest } from './auth.js';
export { ProcedureError, type InternalProcedure, type InternalCallDetails } from './internal-session.js';
export type { Realm } from './realm.js';
export type { Identity, SessionSummary } from './peer.js';
export {
  connectionRateSchema, routerLimitsSchema, routerOptionsSchema, sessionLimitsSchema,
  type ConnectionRate, type RouterLimits, type RouterSettings, type SessionLimits,
} from './options.js';
export { Authorizer, adminOnlyProcedures, builtinRoles, deviceRoleName, isAdmin, rolesConfigSchema, type AuthorizationAction, type RolesConfig } from './authorization.js';
