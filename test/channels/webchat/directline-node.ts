/**
 * Runs the real botframework-directlinejs client (the one Web Chat uses) under Node 20 for
 * protocol tests: Node has neither XMLHttpRequest nor a global WebSocket, so this supplies
 * directlinejs' own `ajax` service hook with a fetch-based implementation and installs the
 * `ws` WebSocket as the global it checks for. The client's logic (start, watermark, refresh,
 * reconnect, stream parsing) is untouched.
 */
import { DirectLine, type DirectLineOptions } from 'botframework-directlinejs';
import { Observable } from 'rxjs/Observable';
import { WebSocket } from 'ws';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

interface AjaxRequest {
  method?: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeout?: number;
}

/** directlinejs' ajax contract on top of fetch: emits `{ status, response, xhr }` or errors with `{ status }`. */
export function fetchAjax(urlOrRequest: string | AjaxRequest): Observable<unknown> {
  const req: AjaxRequest = typeof urlOrRequest === 'string' ? { url: urlOrRequest } : urlOrRequest;
  return Observable.create((subscriber: { next(v: unknown): void; error(e: unknown): void; complete(): void }) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), req.timeout ?? 20_000);
    const body =
      req.body === undefined || req.body === null
        ? undefined
        : typeof req.body === 'string' || req.body instanceof FormData
          ? req.body
          : JSON.stringify(req.body);
    fetch(req.url, { method: req.method ?? 'GET', headers: req.headers, body, signal: controller.signal })
      .then(async (res) => {
        const text = await res.text();
        let response: unknown = text;
        try {
          response = text ? JSON.parse(text) : null;
        } catch {
          // not JSON: keep the text
        }
        const xhr = { getResponseHeader: (name: string) => res.headers.get(name) };
        if (res.status >= 200 && res.status < 300) {
          subscriber.next({ status: res.status, response, xhr });
          subscriber.complete();
        } else {
          subscriber.error({ status: res.status, response, xhr });
        }
      })
      .catch((err: Error) => subscriber.error({ status: 0, message: err.message }))
      .finally(() => clearTimeout(timer));
    return () => controller.abort();
  });
}

/** A directlinejs client pointed at a Kefu instance. */
export function directLineClient(baseUrl: string, options: DirectLineOptions): DirectLine {
  return new DirectLine({
    domain: `${baseUrl}/v3/directline`,
    ...options,
    // biome-ignore lint/suspicious/noExplicitAny: directlinejs types its ajax hook with rxjs' AjaxCreationMethod
    ajax: fetchAjax as any,
  });
}
