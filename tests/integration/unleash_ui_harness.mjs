// Unleash's own admin UI in front of latch: serves the static build that ships in the
// unleash-server 8.2.0 package (tests/.peers, frontend/build), fills the five placeholders of its
// index.html the way Unleash's server does (base URI path, CDN prefix, favicon prefix, UI flags,
// the UI's own front-end token), and forwards every API path (/api, /auth, /logout, /health, ...)
// to a latch server on the same origin, so the browser sees one server, as it would see Unleash.
import http from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { REPO } from './harness.mjs';

export const UI_BUILD = join(REPO, 'tests', '.peers', 'node_modules', 'unleash-server', 'frontend', 'build');

// Paths Unleash's server answers itself (not the UI's files); everything else is the UI.
const FORWARDED = ['/api/', '/auth/', '/logout', '/health', '/invite/', '/edge/', '/internal-backstage/', '/ready'];

const TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.ico': 'image/x-icon',
    '.woff': 'font/woff',
    '.woff2': 'font/woff2',
    '.txt': 'text/plain; charset=utf-8',
    '.map': 'application/json',
};

// index.html with its placeholders filled: the page reads the base path, CDN prefix, UI flags
// and token from <meta> tags, and its assets are under <base path>/static.
export function fillIndex(html, { basePath = '', cdnPrefix = '', uiFlags = '{}', unleashToken = '' } = {}) {
    return html
        .replaceAll('::baseUriPath::', basePath)
        .replaceAll('::cdnPrefix::', cdnPrefix)
        .replaceAll('::faviconPrefix::', cdnPrefix)
        .replaceAll('::uiFlags::', uiFlags)
        .replaceAll('::unleashToken::', unleashToken)
        .replaceAll('"/static/', `"${cdnPrefix || basePath}/static/`);
}

export class UnleashUi {
    // upstream: latch's base URL (http://127.0.0.1:port). Resolves once listening on loopback.
    static async start(upstream, { build = UI_BUILD } = {}) {
        const ui = new UnleashUi();
        ui.upstream = new URL(upstream);
        ui.build = resolve(build);
        ui.index = fillIndex(readFileSync(join(ui.build, 'index.html'), 'utf8'));
        ui.forwarded = []; // {method, path, status} of every request sent on to latch
        ui.server = http.createServer((req, res) => ui.#handle(req, res));
        ui.sockets = new Set();
        ui.server.on('connection', (s) => {
            ui.sockets.add(s);
            s.on('close', () => ui.sockets.delete(s));
        });
        await new Promise((res) => ui.server.listen(0, '127.0.0.1', res));
        ui.url = `http://127.0.0.1:${ui.server.address().port}`;
        return ui;
    }

    #handle(req, res) {
        const path = req.url.split('?')[0];
        if (FORWARDED.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p))) return this.#forward(req, res);
        if (req.method !== 'GET' && req.method !== 'HEAD') {
            res.writeHead(405, { 'Content-Type': 'text/plain' });
            return res.end('method not allowed');
        }
        const file = this.#file(path);
        if (file) {
            res.writeHead(200, {
                'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
                'Cache-Control': 'no-cache',
            });
            return res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
        }
        // a route of the single-page app: index.html, as Unleash answers every UI path
        res.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-cache' });
        res.end(req.method === 'HEAD' ? undefined : this.index);
    }

    // A file of the build for a URL path (never index.html, never outside the build folder).
    #file(path) {
        let rel;
        try {
            rel = decodeURIComponent(path);
        } catch {
            return null;
        }
        if (rel === '/' || rel === '/index.html') return null;
        const abs = normalize(join(this.build, rel));
        if (!abs.startsWith(this.build + sep)) return null;
        return existsSync(abs) && statSync(abs).isFile() ? abs : null;
    }

    #forward(req, res) {
        // the Host the browser sent goes on unchanged, as a reverse proxy passes it, so latch
        // names the origin the browser sees (ui-config's unleashUrl)
        const headers = { ...req.headers };
        const up = http.request(
            { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers, agent: false },
            (upRes) => {
                this.forwarded.push({ method: req.method, path: req.url, status: upRes.statusCode });
                res.writeHead(upRes.statusCode, upRes.headers);
                upRes.pipe(res);
            },
        );
        up.on('error', (e) => {
            this.forwarded.push({ method: req.method, path: req.url, status: 502 });
            if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ message: `latch: ${e.message}` }));
        });
        req.pipe(up);
    }

    async stop() {
        if (!this.server) return;
        const s = this.server;
        this.server = null;
        for (const sock of this.sockets) sock.destroy();
        await new Promise((res) => s.close(res));
    }
}
