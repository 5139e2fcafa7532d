/**
 * Serves the console's web UI: `/console` (one page: sign-in, agent workspace, team-lead
 * dashboard) and its static files under `/console/assets/`. Plain HTML, CSS and JavaScript
 * files, no build step; read once at mount, served from memory, by an allow-list of names.
 *
 * Every response carries a strict Content-Security-Policy: scripts and styles only from this
 * origin (no inline script, no eval), no plugins, no framing of the console by other sites.
 * Email bodies are shown in `<iframe sandbox="" srcdoc>`, which inherits this policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import { KefuError } from '../../app/errors';

const STATIC_DIR = path.join(__dirname, '..', 'static');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(res: Response): void {
  res.setHeader('content-security-policy', CONSOLE_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
}

export function mountPageRoutes(server: Server): void {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of fs.readdirSync(STATIC_DIR)) {
    const type = TYPES[path.extname(name)];
    if (type) files.set(name, { type, body: fs.readFileSync(path.join(STATIC_DIR, name)) });
  }
  const page = files.get('console.html');
  if (!page) throw new Error('console/static/console.html is missing');

  const sendPage = async (_req: Request, res: Response) => {
    securityHeaders(res);
    res.setHeader('content-type', page.type);
    res.setHeader('cache-control', 'no-store');
    res.sendRaw(200, page.body);
  };
  server.get('/console', sendPage);
  server.get('/console/', sendPage);

  server.get('/console/assets/:file', async (req: Request, res: Response) => {
    const name = String((req.params as Record<string, unknown>).file ?? '');
    const file = name === 'console.html' ? undefined : files.get(name);
    if (!file) throw new KefuError('ERR_NOT_FOUND', 'No such console file.');
    securityHeaders(res);
    res.setHeader('content-type', file.type);
    res.setHeader('cache-control', 'no-cache');
    res.sendRaw(200, file.body);
  });
}
