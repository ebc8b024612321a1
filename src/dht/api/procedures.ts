/**
 * The procedures every agent running a DHT node registers (shared, round robin, tied to its
 * `agent` modality): a call without `_device` reaches any agent's node, and every node serves
 * the whole overlay; `_device` picks one agent's node (its status, or its view of the ring).
 */
export const DhtProcedure = {
  put: 'agent.dht.put',
  get: 'agent.dht.get',
  remove: 'agent.dht.remove',
  route: 'agent.dht.route',
  status: 'agent.dht.status',
} as const;
