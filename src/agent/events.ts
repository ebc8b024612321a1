type Listener<T> = (payload: T) => void;

/** A small typed event emitter: one payload per event; a listener that throws is reported, not propagated. */
export class Events<Map extends object> {
  private readonly listeners = new globalThis.Map<keyof Map, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown, event: string) => void) {}

  on<K extends keyof Map>(event: K, listener: Listener<Map[K]>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** The payload of the next `event` that passes `test`. */
  next<K extends keyof Map>(event: K, test: (payload: Map[K]) => boolean = () => true): Promise<Map[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (payload) => {
        if (!test(payload)) return;
        off();
        resolve(payload);
      });
    });
  }

  emit<K extends keyof Map>(event: K, payload: Map[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<Map[K]>)(payload);
      } catch (error) {
        this.onListenerError(error, String(event));
      }
    }
  }
}
