/**
 * A local OpenAI-compatible HTTP server for LLM tests: `POST /v1/chat/completions` answers
 * from a script of replies, one per request (the last one repeats). A reply is either a text
 * the "model" says, an HTTP error status, or a delay before answering (to exceed a budget).
 * Every request body is recorded, so tests can check what was sent (e.g. no national ID).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedReply = { text: string; delayMs?: number } | { status: number; message?: string };

export interface FakeOpenAiServer {
  baseURL: string;
  /** Request bodies received, in order. */
  requests: Array<{ model?: string; messages: Array<{ role: string; content: string }> }>;
  script(replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

export async function startFakeOpenAiServer(initial: ScriptedReply[] = []): Promise<FakeOpenAiServer> {
  let replies = initial;
  let served = 0;
  const requests: FakeOpenAiServer['requests'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const parsed = JSON.parse(body || '{}') as FakeOpenAiServer['requests'][number];
      requests.push(parsed);
      const reply = replies[Math.min(served, replies.length - 1)] ?? { text: '' };
      served++;
      if ('status' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: reply.message ?? `scripted ${reply.status}`, type: 'scripted' } }));
        return;
      }
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: `chatcmpl-${served}`,
            object: 'chat.completion',
            created: 1_764_201_600,
            model: parsed.model ?? 'fake',
            choices: [{ index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      };
      if (reply.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, reply.delayMs);
        timers.add(t);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script(next) {
      replies = next;
      served = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
