/**
 * The objects a `Manager` serves, and how it runs one request on them.
 *
 * Every object lives in the parent process; a request that must wait (a
 * `get` on an empty queue, an `acquire` of a held lock) parks a waiter in an
 * O(1) waiter list, with a timer when it has a timeout. A waiter can be
 * cancelled by its client, and every waiter of a connection goes away when
 * the connection does (a lock its process held is released).
 *
 * @internal
 * @module
 */
import { Deque } from "../internal/deque.js";
import { CancelledError, JuggleError, QueueShutDown, serializeError } from "../internal/errors.js";
import { clearLongTimeout, type LongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { type WaiterNode, WaiterList } from "../internal/waiters.js";
import type { Reply, Request } from "./manager-client.js";

/** One client connection (a socket, or the manager's own process). */
export interface Conn {
  reply(reply: Reply): void;
  /** Parked requests of this connection: request id → cancel. */
  readonly waits: Map<number, () => void>;
}

interface Waiter {
  conn: Conn;
  id: number;
  timer: LongTimeout | undefined;
  item?: unknown;
}

export type ObjectKind = "value" | "queue" | "lock" | "event";

function ok(conn: Conn, id: number, value: unknown): void {
  conn.reply({ id, ok: true, value });
}

function fail(conn: Conn, id: number, error: unknown): void {
  conn.reply({ id, ok: false, error: serializeError(error) });
}

/** Parks a request; `onTimeout` runs if `timeout` (ms, or null) runs out first. */
function park(list: WaiterList<Waiter>, w: Waiter, timeout: unknown, onTimeout: () => void): void {
  const node: WaiterNode<Waiter> = list.push(w);
  if (typeof timeout === "number" && timeout !== Number.POSITIVE_INFINITY) {
    w.timer = setLongTimeout(() => {
      list.remove(node);
      w.conn.waits.delete(w.id);
      onTimeout();
    }, timeout);
  }
  w.conn.waits.set(w.id, () => {
    list.remove(node);
    clearLongTimeout(w.timer);
    fail(w.conn, w.id, new CancelledError("Cancelled by the caller"));
  });
}

/** Takes the front waiter out of `list`, disarming its timer and cancel hook. */
function unpark(list: WaiterList<Waiter>): Waiter | undefined {
  const w = list.shift();
  if (w !== undefined) {
    clearLongTimeout(w.timer);
    w.conn.waits.delete(w.id);
  }
  return w;
}

/** A served object: runs one operation for one connection. */
export interface Served {
  readonly kind: ObjectKind;
  handle(conn: Conn, req: Request): void;
  /** Forgets everything `conn` was waiting for or holding. */
  drop(conn: Conn): void;
}

export class ServedValue implements Served {
  readonly kind = "value";
  constructor(public value: unknown) {}

  handle(conn: Conn, { id, op, args }: Request): void {
    const old = this.value;
    const [a, b] = args as [never, never];
    switch (op) {
      case "load":
        return ok(conn, id, old);
      case "store":
        this.value = a;
        return ok(conn, id, undefined);
      case "add":
        this.value = (old as number) + a;
        return ok(conn, id, old);
      case "sub":
        this.value = (old as number) - a;
        return ok(conn, id, old);
      case "exchange":
        this.value = a;
        return ok(conn, id, old);
      case "compareExchange":
        if (Object.is(old, a) || old === a) this.value = b;
        return ok(conn, id, old);
      default:
        return fail(conn, id, new TypeError(`Cannot run '${op}' on a manager Value`));
    }
  }

  drop(): void {}
}

export class ServedQueue implements Served {
  readonly kind = "queue";
  readonly #items = new Deque<unknown>();
  readonly #getters = new WaiterList<Waiter>();
  readonly #putters = new WaiterList<Waiter>();
  #closed = false;
  constructor(readonly maxsize: number) {}

  /** Adds an item (or hands it to a waiting getter). */
  #add(item: unknown, front = false): void {
    const g = unpark(this.#getters);
    if (g !== undefined) ok(g.conn, g.id, { state: "ok", value: item });
    else if (front) this.#items.unshift(item);
    else this.#items.push(item);
  }

  /** Removes the front item and lets one waiting putter in. */
  #take(): unknown {
    const item = this.#items.shift();
    const p = unpark(this.#putters);
    if (p !== undefined) {
      this.#items.push(p.item);
      ok(p.conn, p.id, { state: "ok" });
    }
    return item;
  }

  handle(conn: Conn, { id, op, args }: Request): void {
    switch (op) {
      case "put":
      case "tryPut": {
        if (this.#closed) return ok(conn, id, { state: "closed" });
        if (this.#items.length < this.maxsize || this.#getters.length > 0) {
          this.#add(args[0]);
          return ok(conn, id, { state: "ok" });
        }
        if (op === "tryPut") return ok(conn, id, { state: "full" });
        return park(this.#putters, { conn, id, timer: undefined, item: args[0] }, args[1], () => ok(conn, id, { state: "full" }));
      }
      case "unget":
        this.#add(args[0], true);
        return ok(conn, id, undefined);
      case "get":
      case "tryGet": {
        if (this.#items.length > 0) return ok(conn, id, { state: "ok", value: this.#take() });
        if (this.#closed) return ok(conn, id, { state: "closed" });
        if (op === "tryGet") return ok(conn, id, { state: "empty" });
        return park(this.#getters, { conn, id, timer: undefined }, args[0], () => ok(conn, id, { state: "empty" }));
      }
      case "size":
        return ok(conn, id, this.#items.length);
      case "close": {
        this.#closed = true;
        const shut = new QueueShutDown("Cannot use manager Queue as it is closed");
        for (let w = unpark(this.#getters); w; w = unpark(this.#getters)) ok(w.conn, w.id, { state: "closed" });
        for (let w = unpark(this.#putters); w; w = unpark(this.#putters)) fail(w.conn, w.id, shut);
        return ok(conn, id, undefined);
      }
      default:
        return fail(conn, id, new TypeError(`Cannot run '${op}' on a manager Queue`));
    }
  }

  drop(conn: Conn): void {
    for (const list of [this.#getters, this.#putters]) {
      for (const w of list.drain()) {
        if (w.conn === conn) clearLongTimeout(w.timer);
        else list.push(w);
      }
    }
  }
}

export class ServedLock implements Served {
  readonly kind = "lock";
  #holder: Conn | null = null;
  readonly #waiters = new WaiterList<Waiter>();

  handle(conn: Conn, { id, op, args }: Request): void {
    switch (op) {
      case "acquire":
      case "tryAcquire":
        if (this.#holder === null) {
          this.#holder = conn;
          return ok(conn, id, true);
        }
        if (op === "tryAcquire") return ok(conn, id, false);
        return park(this.#waiters, { conn, id, timer: undefined }, args[0], () => ok(conn, id, false));
      case "release":
        if (this.#holder === null) return fail(conn, id, new JuggleError("Cannot release manager Lock as it is not locked", "ERR_JUGGLE_NOT_LOCKED"));
        this.#release();
        return ok(conn, id, undefined);
      case "locked":
        return ok(conn, id, this.#holder !== null);
      default:
        return fail(conn, id, new TypeError(`Cannot run '${op}' on a manager Lock`));
    }
  }

  #release(): void {
    const next = unpark(this.#waiters);
    this.#holder = next?.conn ?? null;
    if (next !== undefined) ok(next.conn, next.id, true);
  }

  drop(conn: Conn): void {
    for (const w of this.#waiters.drain()) {
      if (w.conn === conn) clearLongTimeout(w.timer);
      else this.#waiters.push(w);
    }
    // A process that died holding the lock would otherwise deadlock the rest.
    if (this.#holder === conn) this.#release();
  }
}

export class ServedEvent implements Served {
  readonly kind = "event";
  #flag = false;
  readonly #waiters = new WaiterList<Waiter>();

  handle(conn: Conn, { id, op, args }: Request): void {
    switch (op) {
      case "set":
        this.#flag = true;
        for (let w = unpark(this.#waiters); w; w = unpark(this.#waiters)) ok(w.conn, w.id, true);
        return ok(conn, id, undefined);
      case "clear":
        this.#flag = false;
        return ok(conn, id, undefined);
      case "isSet":
        return ok(conn, id, this.#flag);
      case "wait":
        if (this.#flag) return ok(conn, id, true);
        return park(this.#waiters, { conn, id, timer: undefined }, args[0], () => ok(conn, id, false));
      default:
        return fail(conn, id, new TypeError(`Cannot run '${op}' on a manager Event`));
    }
  }

  drop(conn: Conn): void {
    for (const w of this.#waiters.drain()) {
      if (w.conn === conn) clearLongTimeout(w.timer);
      else this.#waiters.push(w);
    }
  }
}

/** Runs one request against the served objects. */
export function dispatch(objects: Map<number, Served>, conn: Conn, req: Request): void {
  const target = objects.get(req.obj);
  if (target === undefined) {
    fail(conn, req.id, new JuggleError(`Cannot find manager object ${req.obj}: it does not exist or the manager shut down`, "ERR_JUGGLE_MANAGER_OBJECT"));
    return;
  }
  try {
    target.handle(conn, req);
  } catch (error) {
    fail(conn, req.id, error);
  }
}
