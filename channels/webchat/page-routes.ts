/**
 * Serves the policyholder chat page at `/` and its assets: the official Web Chat bundle
 * (`botframework-webchat/dist/webchat.js`, read by file path because the package's exports
 * map hides `dist/`), the page script and stylesheet. Brand name and colour come from the
 * configuration, HTML-escaped into the template.
 *
 * Every page answer carries a strict Content-Security-Policy: scripts only from this origin,
 * styles from this origin plus Web Chat's injected `<style>` elements, which carry the
 * per-response nonce (Web Chat's `nonce` prop); images, media and workers also from `blob:`
 * and `data:` (Web Chat turns inline assets into blob URLs); network only to this origin
 * (HTTP and the WebSocket stream); no framing, no plugins, no base or form targets.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Request, Response, Server } from 'restify';

const gzip = promisify(zlib.gzip);

export const PAGE_DIR = path.join(__dirname, 'page');
/** The Web Chat UMD bundle, found next to the package's CommonJS entry. */
export const WEBCHAT_BUNDLE = path.resolve(path.dirname(require.resolve('botframework-webchat')), '../dist/webchat.js');

export interface Branding {
  nameZh: string;
  nameEn: string;
  color: string;
}

const EMPTY_STYLE_HASH = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

/** The Content-Security-Policy of the page for one response nonce. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // The hash is of the empty string: Web Chat applies one empty inline style; allowing
    // nothing is the same as allowing that.
    `style-src 'self' 'nonce-${nonce}' '${EMPTY_STYLE_HASH}'`,
    "img-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

interface Asset {
  type: string;
  body: Buffer;
  gz?: Promise<Buffer>;
  etag: string;
}

export function mountPageRoutes(server: Server, brand: Branding): void {
  const template = fs.readFileSync(path.join(PAGE_DIR, 'index.html'), 'utf8');
  const filled = template
    .replaceAll('{{brandNameZh}}', escapeHtml(brand.nameZh))
    .replaceAll('{{brandNameEn}}', escapeHtml(brand.nameEn))
    .replaceAll('{{brandColor}}', escapeHtml(brand.color));

  const load = (file: string, type: string): Asset => {
    const body = fs.readFileSync(file);
    const etag = `"${body.length.toString(36)}-${fs.statSync(file).mtimeMs.toString(36)}"`;
    return { type, body, etag };
  };
  const assets: Record<string, () => Asset> = {};
  const lazy = (name: string, file: string, type: string): void => {
    let cached: Asset | undefined;
    assets[name] = () => {
      cached ??= load(file, type);
      return cached;
    };
  };
  lazy('webchat.js', WEBCHAT_BUNDLE, 'application/javascript; charset=utf-8');
  lazy('app.js', path.join(PAGE_DIR, 'app.js'), 'application/javascript; charset=utf-8');
  lazy('app.css', path.join(PAGE_DIR, 'app.css'), 'text/css; charset=utf-8');
  // The tab icon in the brand colour (without it browsers ask for /favicon.ico and get 404).
  const icon = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="32" fill="${brand.color}"/>` +
      '<path d="M18 22h28v16H30l-8 7v-7h-4z" fill="#fff"/></svg>',
  );
  assets['icon.svg'] = () => ({ type: 'image/svg+xml', body: icon, etag: `"icon-${brand.color.slice(1)}"` });

  server.get('/', (_req: Request, res: Response, next: () => void) => {
    const nonce = randomBytes(16).toString('base64');
    const html = filled.replaceAll('{{nonce}}', nonce);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    res.setHeader('content-security-policy', pageCsp(nonce));
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.sendRaw(200, html);
    next();
  });

  server.get('/webchat/:asset', async (req: Request, res: Response) => {
    const name = String((req.params as Record<string, unknown>)['asset']);
    const get = Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!get) {
      res.send(404, { code: 'ERR_NOT_FOUND', message: 'No such asset.' });
      return;
    }
    const asset = get();
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-type', asset.type);
    res.setHeader('cache-control', 'public, max-age=300');
    res.setHeader('etag', asset.etag);
    res.setHeader('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === asset.etag) {
      res.sendRaw(304, '');
      return;
    }
    const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (acceptsGzip && asset.body.length > 1024) {
      asset.gz ??= gzip(asset.body);
      res.setHeader('content-encoding', 'gzip');
      res.sendRaw(200, await asset.gz);
      return;
    }
    res.sendRaw(200, asset.body);
  });
}
