import { connect } from 'node:net';

/** A reply of the RESP2 types this helper understands: simple, bulk, integer, null. */
export type RedisReply = string | number | null;

const CRLF = '\r\n';

/**
 * Opens one connection to `host:port`, sends `commands` pipelined and resolves with their
 * replies. A deliberately tiny RESP client for readiness probes: it keeps no state, logs
 * nothing and never reconnects, unlike a full client. An error reply rejects the call.
 */
export function sendRedisCommands(
  host: string,
  port: number,
  commands: readonly (readonly string[])[],
  timeoutMs = 1_000,
): Promise<RedisReply[]> {
  return new Promise((resolve, reject) => {
    const replies: RedisReply[] = [];
    let pending: Buffer = Buffer.alloc(0);
    const socket = connect({ host, port });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new Error(`No reply from ${host}:${port} within ${timeoutMs}ms`)),
    );
    socket.once('error', fail);
    socket.once('close', () => fail(new Error(`${host}:${port} closed the connection`)));
    socket.once('connect', () => socket.write(commands.map(encodeCommand).join('')));
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const parsed = parseReply(pending);
        if (parsed === undefined) return;
        pending = parsed.rest;
        if (parsed.reply instanceof Error) return fail(parsed.reply);
        replies.push(parsed.reply);
        if (replies.length === commands.length) {
          socket.destroy();
          return resolve(replies);
        }
      }
    });
  });
}

function encodeCommand(args: readonly string[]): string {
  let encoded = `*${args.length}${CRLF}`;
  for (const arg of args) encoded += `$${Buffer.byteLength(arg)}${CRLF}${arg}${CRLF}`;
  return encoded;
}

function parseReply(buffer: Buffer): { reply: RedisReply | Error; rest: Buffer } | undefined {
  const lineEnd = buffer.indexOf(CRLF);
  if (lineEnd === -1) return undefined;
  const line = buffer.toString('utf8', 1, lineEnd);
  const rest = buffer.subarray(lineEnd + 2);
  switch (String.fromCharCode(buffer[0]!)) {
    case '+':
      return { reply: line, rest };
    case '-':
      return { reply: new Error(`Redis replied with an error: ${line}`), rest };
    case ':':
      return { reply: Number(line), rest };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, rest };
      if (rest.length < length + 2) return undefined;
      return { reply: rest.toString('utf8', 0, length), rest: rest.subarray(length + 2) };
    }
    default:
      return {
        reply: new Error(`Unsupported reply type in \`${buffer.toString('utf8', 0, lineEnd)}\``),
        rest,
      };
  }
}
