export * from './messages.js';
export * from './error-uris.js';
export { parseMessage, encodeMessage, type ParseResult, type ParseAnswer } from './parse.js';
export { isValidUri, isMatchPolicy, matchPolicies, uriMatchesPattern, wildcardComponents, type MatchPolicy } from './uri.js';
export { MAX_ID, isValidId, randomId, RequestIds } from './ids.js';
