/**
 * The thread side of the parse pool (`parse-pool.ts`): parses the emails it is sent with
 * `parseEmail`, one at a time, and answers with the parsed email or the error. Attachment bytes
 * are transferred, not copied, when they own their memory.
 */
import { parentPort } from 'node:worker_threads';
import { toWire } from '../../app/worker-thread';
import { parseEmail } from './parse';
import type { ParseReply, ParseRequest } from './parse-pool';

const port = parentPort;
if (!port) throw new Error('channels/email/parse-worker.ts runs as a worker thread only');

port.on('message', (request: ParseRequest) => {
  parseEmail(Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength), request.limits).then(
    (parsed) => {
      // Only memory an attachment owns whole: a Buffer from Node's shared pool is copied.
      const owned = parsed.attachments
        .map((a) => a.content)
        .filter((c) => c.byteOffset === 0 && c.byteLength === c.buffer.byteLength && c.buffer instanceof ArrayBuffer)
        .map((c) => c.buffer as ArrayBuffer);
      const reply: ParseReply = { id: request.id, ok: true, parsed };
      port.postMessage(reply, [...new Set(owned)]);
    },
    (err: unknown) => {
      const reply: ParseReply = { id: request.id, ok: false, error: toWire(err) };
      port.postMessage(reply);
    },
  );
});
