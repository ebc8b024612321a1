/** The roles and features this router announces in WELCOME. */
export const routerRoles = {
  dealer: {
    features: {
      progressive_call_results: true,
      call_timeout: true,
      call_canceling: true,
      caller_identification: true,
      pattern_based_registration: true,
      shared_registration: true,
      session_meta_api: true,
      registration_meta_api: true,
    },
  },
  broker: {
    features: {
      publisher_identification: true,
      publisher_exclusion: true,
      subscriber_blackwhite_listing: true,
      pattern_based_subscription: true,
      session_meta_api: true,
      subscription_meta_api: true,
    },
  },
} as const;
