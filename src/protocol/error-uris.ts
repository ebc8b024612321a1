/**
 * Every error URI thoth itself sends, with what it means. docs/errors.md lists
 * exactly these (a test keeps the two in step). Application handlers may use any
 * other valid URI.
 */
export const ErrorUri = {
  // WAMP spec URIs
  invalidUri: 'wamp.error.invalid_uri',
  noSuchProcedure: 'wamp.error.no_such_procedure',
  procedureAlreadyExists: 'wamp.error.procedure_already_exists',
  noSuchRegistration: 'wamp.error.no_such_registration',
  noSuchSubscription: 'wamp.error.no_such_subscription',
  noSuchSession: 'wamp.error.no_such_session',
  noSuchRealm: 'wamp.error.no_such_realm',
  noSuchRole: 'wamp.error.no_such_role',
  invalidArgument: 'wamp.error.invalid_argument',
  canceled: 'wamp.error.canceled',
  timeout: 'wamp.error.timeout',
  notAuthorized: 'wamp.error.not_authorized',
  authenticationFailed: 'wamp.error.authentication_failed',
  noAuthMethod: 'wamp.error.no_auth_method',
  protocolViolation: 'wamp.error.protocol_violation',
  optionNotAllowed: 'wamp.error.option_not_allowed',
  procedureExistsWithDifferentInvocationPolicy: 'wamp.error.procedure_exists_with_different_invocation_policy',
  systemShutdown: 'wamp.close.system_shutdown',
  closeRealm: 'wamp.close.close_realm',
  goodbyeAndOut: 'wamp.close.goodbye_and_out',
  closeNormal: 'wamp.close.normal',
  // thoth URIs (no spec URI fits)
  calleeGone: 'thoth.error.callee_gone',
  calleeUnregistered: 'thoth.error.callee_unregistered',
  routerShutdown: 'thoth.error.router_shutdown',
  tooManyCalls: 'thoth.error.too_many_calls',
  tooManyRegistrations: 'thoth.error.too_many_registrations',
  tooManySubscriptions: 'thoth.error.too_many_subscriptions',
  callerGone: 'thoth.error.caller_gone',
  sessionTimeout: 'thoth.error.session_timeout',
  tooManySessions: 'thoth.error.too_many_sessions',
  tooManyConnections: 'thoth.error.too_many_connections',
  // the mesh (devices and modalities)
  noSuchDevice: 'thoth.error.no_such_device',
  noMatchingDevice: 'thoth.error.no_matching_device',
  noSuchModality: 'thoth.error.no_such_modality',
  modalityKilled: 'thoth.error.modality_killed',
  deviceDropped: 'thoth.error.device_dropped',
  deviceOffline: 'thoth.error.device_offline',
  devicePending: 'thoth.error.device_pending',
  deviceRevoked: 'thoth.error.device_revoked',
  heartbeatTimeout: 'thoth.error.heartbeat_timeout',
  draining: 'thoth.error.draining',
  drainDeadline: 'thoth.error.drain_deadline',
  deregistered: 'thoth.error.deregistered',
  // the DHT (see dht.md)
  dhtUnavailable: 'thoth.error.dht_unavailable',
  dhtStorageFull: 'thoth.error.dht_storage_full',
  dhtKindMismatch: 'thoth.error.dht_kind_mismatch',
  dhtFailed: 'thoth.error.dht_failed',
  messageTooLarge: 'thoth.error.message_too_large',
  outboundQueueFull: 'thoth.error.outbound_queue_full',
  disconnected: 'thoth.error.disconnected',
  sessionClosed: 'thoth.error.session_closed',
  handlerFailed: 'thoth.error.handler_failed',
  invalidResult: 'thoth.error.invalid_result',
} as const;

export type ErrorUriName = keyof typeof ErrorUri;
export type KnownErrorUri = (typeof ErrorUri)[ErrorUriName];
