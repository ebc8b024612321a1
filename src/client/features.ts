import type { Dict } from '../protocol/messages.js';
import type { ResolvedOptions } from './options.js';

/** Identifies this SDK in HELLO.Details.agent. */
export const AGENT = 'thoth-client/0.1.0';

/** The roles and advanced features this SDK implements, as announced in HELLO. */
export const clientRoles = {
  caller: {
    features: {
      progressive_call_results: true,
      call_timeout: true,
      call_canceling: true,
      caller_identification: true,
    },
  },
  callee: {
    features: {
      progressive_call_results: true,
      call_timeout: true,
      call_canceling: true,
      caller_identification: true,
      pattern_based_registration: true,
      shared_registration: true,
    },
  },
  publisher: {
    features: {
      publisher_exclusion: true,
      subscriber_blackwhite_listing: true,
      publisher_identification: true,
    },
  },
  subscriber: {
    features: {
      pattern_based_subscription: true,
      publisher_identification: true,
    },
  },
} as const;

/** HELLO.Details for the given options. */
export function helloDetails(options: ResolvedOptions): Dict {
  const details: Dict = { agent: AGENT, roles: clientRoles };
  if (options.authid !== undefined) details['authid'] = options.authid;
  if (options.authmethods !== undefined) details['authmethods'] = options.authmethods;
  if (options.authextra !== undefined) details['authextra'] = options.authextra;
  return details;
}
