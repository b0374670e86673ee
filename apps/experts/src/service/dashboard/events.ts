import type { ServerResponse } from 'node:http';

/** Options of {@link EventHub}. */
export interface EventHubOptions {
  /** Clients connected at once; more are refused. */
  readonly maxClients: number;
  /** How often an event is built and, when it changed, sent, in milliseconds. */
  readonly intervalMs: number;
  /** A comment is sent after this long without an event, in milliseconds. */
  readonly heartbeatMs: number;
  /** Builds the event's data (serialised as JSON); `at` fields are left out of the comparison. */
  readonly build: () => { readonly at: number };
}

interface Client {
  readonly res: ServerResponse;
  lastWrite: number;
  /** The kernel buffer is full: events are skipped until it drains. */
  congested: boolean;
}

/** The headers of an event stream (the app's own hooks do not run on it). */
export const EVENT_STREAM_HEADERS = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  connection: 'close',
  'x-accel-buffering': 'no',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
});

/**
 * Server-sent events to a bounded set of clients: on connection the current snapshot, then one
 * per interval when it changed, and a `: heartbeat` comment when nothing was sent for a while.
 * One timer serves every client, and runs only while some are connected.
 */
export class EventHub {
  readonly #options: EventHubOptions;
  readonly #clients = new Set<Client>();
  #timer: NodeJS.Timeout | undefined;
  #last = '';
  #data = '';
  #id = 0;
  #closed = false;

  constructor(options: EventHubOptions) {
    this.#options = options;
  }

  /** Clients connected now. */
  get size(): number {
    return this.#clients.size;
  }

  /** Whether one more client would be accepted. */
  get full(): boolean {
    return this.#closed || this.#clients.size >= this.#options.maxClients;
  }

  /** Starts the stream on `res` (headers included); check {@link full} first. */
  add(res: ServerResponse): void {
    const client: Client = { res, lastWrite: Date.now(), congested: false };
    this.#clients.add(client);
    res.on('close', () => this.#remove(client));
    res.on('drain', () => {
      client.congested = false;
    });
    res.writeHead(200, EVENT_STREAM_HEADERS);
    this.#refresh();
    this.#write(client, `retry: 2000\n\n${this.#event()}`);
    this.#timer ??= setInterval(() => this.#tick(), this.#options.intervalMs);
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.#closed = true;
    this.#stop();
    for (const client of this.#clients) client.res.end();
    this.#clients.clear();
  }

  #remove(client: Client): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) this.#stop();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Builds the data; whether it differs from the last one (its `at` aside). */
  #refresh(): boolean {
    const data = this.#options.build();
    const body = JSON.stringify({ ...data, at: 0 });
    this.#data = JSON.stringify(data);
    if (body === this.#last) return false;
    this.#last = body;
    this.#id++;
    return true;
  }

  #event(): string {
    return `event: snapshot\nid: ${this.#id}\ndata: ${this.#data}\n\n`;
  }

  #tick(): void {
    const changed = this.#refresh();
    const now = Date.now();
    for (const client of this.#clients) {
      if (changed) this.#write(client, this.#event());
      else if (now - client.lastWrite >= this.#options.heartbeatMs)
        this.#write(client, ': heartbeat\n\n');
    }
  }

  #write(client: Client, text: string): void {
    if (client.congested) return;
    client.lastWrite = Date.now();
    if (!client.res.write(text)) client.congested = true;
  }
}
