/** A point in the unit square. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A uniform grid over the unit square, for "the nearest node to here" without scanning every node. */
export class PlaneIndex<T extends Point> {
  private readonly side: number;
  private readonly cells: T[][];
  private count = 0;

  /** `expected`: about how many points will be added (sets the grid so a cell holds ~2). */
  constructor(expected: number) {
    this.side = Math.max(1, Math.ceil(Math.sqrt(expected / 2)));
    this.cells = Array.from({ length: this.side * this.side }, () => []);
  }

  get size(): number {
    return this.count;
  }

  private cellOf(v: number): number {
    return Math.min(this.side - 1, Math.max(0, Math.floor(v * this.side)));
  }

  add(point: T): void {
    (this.cells[this.cellOf(point.y) * this.side + this.cellOf(point.x)] as T[]).push(point);
    this.count++;
  }

  /** The nearest point to (x, y) that `accept` allows, searching rings of cells outwards. */
  nearest(x: number, y: number, accept: (point: T) => boolean = () => true): T | undefined {
    const cx = this.cellOf(x);
    const cy = this.cellOf(y);
    const cell = 1 / this.side;
    let best: T | undefined;
    let bestDistance = Infinity;
    for (let r = 0; r < this.side; r++) {
      if (best !== undefined && (r - 1) * cell > bestDistance) break;
      for (let gy = cy - r; gy <= cy + r; gy++) {
        if (gy < 0 || gy >= this.side) continue;
        const edge = gy === cy - r || gy === cy + r;
        for (let gx = cx - r; gx <= cx + r; gx += edge ? 1 : 2 * r) {
          if (gx < 0 || gx >= this.side) continue;
          for (const point of this.cells[gy * this.side + gx] as T[]) {
            if (!accept(point)) continue;
            const d = Math.hypot(point.x - x, point.y - y);
            if (d < bestDistance) {
              bestDistance = d;
              best = point;
            }
          }
          if (r === 0) break;
        }
      }
    }
    return best;
  }
}
