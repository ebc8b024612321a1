export { TicketAuthenticator, type TicketPrincipal, type TicketOptions } from './ticket.js';
export { CryptosignAuthenticator, ed25519PublicKeyFromHex, type CryptosignPrincipal, type CryptosignOptions, type DeviceKeyPolicy } from './cryptosign.js';
export { hashSecret, verifySecret, parseSecretHash, defaultScryptParams, type ScryptParams, type SecretHash } from './secrets.js';
export { AuthRateLimiter, rateLimited, type RateLimitOptions, type Admission } from './rate-limit.js';
export { addressKey } from './address-key.js';
export { authConfigSchema, buildAuthenticators, unconfiguredRoles, hasRemoteAuth, pairingEnabled, mayListenOn, isLoopbackHost, remoteAuthHint, type AuthConfig, type BuildAuthOptions } from './config.js';
