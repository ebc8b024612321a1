import { ErrorUri, RemoteError, type Session } from '../client/index.js';
import { DhtNode } from '../dht/api/dht-node.js';
import { announceProof } from '../dht/bootstrap/announce-proof.js';
import { contactsReplySchema, DhtBootstrapProcedure, DhtRevokedTopic, revokedEventSchema, type DhtContact } from '../dht/bootstrap/schemas.js';
import { isWildcardHost } from '../dht/net/node.js';
import type { Logger } from '../observability/logger.js';
import { isLoopbackAddress } from '../transport/address.js';
import { isLocalRouter, type DhtSettings } from './dht-config.js';
import { dhtProcedures } from './dht-procedures.js';
import type { AgentProcedure } from './device-link.js';
import { AgentError, messageOf } from './errors.js';

export interface DhtServiceOptions {
  settings: DhtSettings;
  /** The node keeps its values and id in <dataDir>/dht/store.db. */
  dataDir: string;
  router: string;
  logger: Logger;
  /** Leaving gracefully may take this long at most before the node is closed at once (default 2000 ms). */
  closeTimeoutMs?: number;
}

const NOT_STARTED = 'it has not started yet';

/**
 * The agent's DHT node: listens, announces itself to the router (`thoth.dht.announce`, again
 * after every reconnect), joins the overlay through the contacts the router answers, and
 * serves the `agent.dht.*` procedures. A router without the bootstrap procedures, or contacts
 * that all fail, leave the node running alone (a new overlay), said in the log.
 */
export class DhtService {
  private node: DhtNode | undefined;
  private whyNot = NOT_STARTED;
  private offReconnect: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private offRevoked: (() => Promise<void>) | undefined;

  constructor(private readonly options: DhtServiceOptions) {}

  get enabled(): boolean {
    return this.options.settings.enabled;
  }

  /** The running node, if any. */
  get current(): DhtNode | undefined {
    return this.node;
  }

  /** The procedures to register on the agent's session (none when the DHT is disabled). */
  procedures(): AgentProcedure[] {
    if (!this.enabled) return [];
    return dhtProcedures(() => {
      if (this.node === undefined) throw new RemoteError(ErrorUri.dhtUnavailable, [`this device's DHT node is not running: ${this.whyNot}`]);
      return this.node;
    });
  }

  /** Start the node and join the overlay. AgentError 'dht_failed' when the node cannot listen. */
  start(session: Session): Promise<void> {
    if (!this.enabled || this.stopped) return Promise.resolve();
    this.starting ??= this.run(session);
    return this.starting;
  }

  private async run(session: Session): Promise<void> {
    const { settings, dataDir, logger } = this.options;
    if (isLoopbackAddress(settings.host) && !isLocalRouter(this.options.router)) {
      logger.warn({ host: settings.host, router: this.options.router }, 'the DHT node listens on loopback but the router is on another machine: other devices cannot reach it (set dht.host)');
    }
    const advertiseHost = isWildcardHost(settings.host) ? await this.observedHost(session) : undefined;
    let node: DhtNode;
    try {
      node = await DhtNode.listen({ host: settings.host, port: settings.port, maxBytes: settings.maxBytes, dataDir, security: true, ...(advertiseHost === undefined ? {} : { advertiseHost }) });
    } catch (error) {
      this.whyNot = `it failed to start: ${messageOf(error)}`;
      throw new AgentError('dht_failed', `dht: the node could not start on ${settings.host}:${settings.port}: ${messageOf(error)}`, { cause: error });
    }
    if (this.stopped) {
      node.destroy();
      return;
    }
    this.node = node;
    const contacts = await this.announce(session, node);
    try {
      await node.join(contacts);
    } catch (error) {
      logger.warn({ err: messageOf(error) }, 'no DHT contact let this node in; it starts a new overlay');
      await node.join([]);
    }
    this.offReconnect = session.on('reconnect', () => void this.announce(session, node));
    await this.followRevocations(session, node);
    const status = node.status();
    logger.info({ id: node.id, host: status.host, port: status.port, contacts: contacts.length, leaves: status.leafSet.smaller.length + status.leafSet.larger.length, keys: status.storage.keys }, 'DHT node running');
  }

  /** Leave the overlay (bounded by closeTimeoutMs) and close the store. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    this.offReconnect?.();
    this.offReconnect = undefined;
    clearTimeout(this.renewTimer);
    await this.offRevoked?.().catch(() => undefined);
    this.offRevoked = undefined;
    const node = this.node;
    if (node === undefined) return;
    this.node = undefined;
    this.whyNot = 'the agent is stopping';
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.closeTimeoutMs ?? 2000);
    });
    await Promise.race([node.close().catch(() => undefined), deadline]);
    clearTimeout(timer);
    node.destroy();
  }

  /**
   * Tell the router where this node is, with the node key and a proof of it, and install the
   * membership certificate it answers; renewed at a third of its lifetime. Answers the contacts
   * announced before it ([] when the router cannot say).
   */
  private async announce(session: Session, node: DhtNode): Promise<DhtContact[]> {
    const { logger } = this.options;
    const { id, host, port } = node.address;
    const credentials = node.credentials!;
    try {
      const key = credentials.publicKey.toString('base64url');
      const proof = announceProof(credentials.privateKey, id, session.id);
      const result = await session.call(DhtBootstrapProcedure.announce, [], { id, port, host, key, proof });
      const reply = contactsReplySchema.parse(result.value);
      if (reply.membership === undefined) {
        logger.warn('the router answered no DHT membership certificate: no other node will let this one in');
      } else {
        const membership = credentials.install(reply.membership.certificate, Buffer.from(reply.membership.authority, 'base64url'));
        this.scheduleRenewal(session, node, membership.expires);
      }
      return reply.contacts;
    } catch (error) {
      const missing = error instanceof RemoteError && error.uri === ErrorUri.noSuchProcedure;
      logger[missing ? 'info' : 'warn']({ err: messageOf(error) }, missing ? 'the router has no DHT bootstrap (thoth.dht.announce); this node knows no other' : 'could not announce the DHT node to the router');
      return [];
    }
  }

  private scheduleRenewal(session: Session, node: DhtNode, expires: number): void {
    clearTimeout(this.renewTimer);
    if (this.stopped) return;
    const delay = Math.max(1000, Math.min((expires - Date.now()) / 3, 2 ** 31 - 1));
    this.renewTimer = setTimeout(() => void this.announce(session, node), delay);
    this.renewTimer.unref();
  }

  /** Nodes of a device the router revoked are cut off at once (thoth.dht.on_revoked). */
  private async followRevocations(session: Session, node: DhtNode): Promise<void> {
    try {
      const subscription = await session.subscribe(DhtRevokedTopic, (_args, kwargs) => {
        const event = revokedEventSchema.safeParse(kwargs);
        if (!event.success) return;
        this.options.logger.warn({ nodes: event.data.nodes }, 'the router revoked DHT nodes: cut off');
        node.credentials?.revoke(event.data.nodes, event.data.until);
      });
      this.offRevoked = () => subscription.unsubscribe();
    } catch (error) {
      this.options.logger.warn({ err: messageOf(error) }, `cannot follow ${DhtRevokedTopic}: revoked devices stay in the overlay until their certificates expire`);
    }
  }

  /** The address the router sees this device at, for a node listening on every interface. */
  private async observedHost(session: Session): Promise<string> {
    const fail = (why: string): never => {
      this.whyNot = `it failed to start: ${why}`;
      throw new AgentError('dht_failed', `dht.host ${this.options.settings.host} listens on every interface, and ${why}; set dht.host to the address other devices reach this one at`);
    };
    let host: string | null;
    try {
      host = contactsReplySchema.parse((await session.call(DhtBootstrapProcedure.contacts, [], {})).value).observed_host;
    } catch (error) {
      return fail(`the router could not tell this device's address (${messageOf(error)})`);
    }
    return host ?? fail('the router sees no IP address for this session (Unix socket or in-process)');
  }
}
