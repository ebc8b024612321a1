import { checkDigitBits, digitAt, digitCount, sameId, sharedPrefixDigits, type Id } from './ids.js';
import type { Peer, Proximity } from './peer.js';

/**
 * The Pastry routing table: row r, column c holds a node whose id shares the owner's first r
 * digits and has c as digit r; of all such nodes known, the proximity-closest. Rows are
 * allocated only when a first entry lands in them (a node of N peers uses about log_2^b N).
 */
export class RoutingTable<P extends Peer> {
  readonly rowCount: number;
  readonly columns: number;
  private readonly rows: ((P | undefined)[] | undefined)[] = [];
  private count = 0;

  constructor(
    readonly self: Id,
    readonly b: number,
    private readonly proximity: Proximity<P>,
  ) {
    checkDigitBits(b);
    this.rowCount = digitCount(b);
    this.columns = 1 << b;
  }

  get size(): number {
    return this.count;
  }

  /** The number of rows that exist (the highest non-empty row + 1, at most). */
  get rowsInUse(): number {
    return this.rows.length;
  }

  get(row: number, column: number): P | undefined {
    return this.rows[row]?.[column];
  }

  row(row: number): readonly (P | undefined)[] | undefined {
    return this.rows[row];
  }

  /** The entry for `key`: row = shared prefix with the owner, column = the key's next digit. */
  entryFor(key: Id): P | undefined {
    const row = sharedPrefixDigits(this.self, key, this.b);
    if (row >= this.rowCount) return undefined;
    return this.rows[row]?.[digitAt(key, row, this.b)];
  }

  /** Offer a node; it takes its slot when the slot is empty or it is nearer. Returns whether it was stored. */
  consider(peer: P): boolean {
    const row = sharedPrefixDigits(this.self, peer.id, this.b);
    if (row >= this.rowCount) return false;
    const column = digitAt(peer.id, row, this.b);
    let cells = this.rows[row];
    if (cells === undefined) {
      while (this.rows.length < row) this.rows.push(undefined);
      cells = new Array<P | undefined>(this.columns);
      this.rows[row] = cells;
    }
    const current = cells[column];
    if (current === undefined) {
      cells[column] = peer;
      this.count++;
      return true;
    }
    if (current === peer || sameId(current.id, peer.id)) {
      cells[column] = peer;
      return false;
    }
    if (this.proximity(peer) < this.proximity(current)) {
      cells[column] = peer;
      return true;
    }
    return false;
  }

  /** Drop a node (failed or left). Returns the (row, column) it held, or undefined. */
  remove(id: Id): { row: number; column: number } | undefined {
    const row = sharedPrefixDigits(this.self, id, this.b);
    const cells = this.rows[row];
    if (cells === undefined) return undefined;
    const column = digitAt(id, row, this.b);
    const current = cells[column];
    if (current === undefined || !sameId(current.id, id)) return undefined;
    cells[column] = undefined;
    this.count--;
    return { row, column };
  }

  *entries(): IterableIterator<P> {
    for (const cells of this.rows) {
      if (cells === undefined) continue;
      for (const peer of cells) if (peer !== undefined) yield peer;
    }
  }

  /** Filled cells of one row (the owner's own column never fills). */
  rowFill(row: number): number {
    const cells = this.rows[row];
    if (cells === undefined) return 0;
    let n = 0;
    for (const peer of cells) if (peer !== undefined) n++;
    return n;
  }
}
