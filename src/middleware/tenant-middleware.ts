import type { IncomingMessage, ServerResponse } from 'node:http';

import { runWithTenant } from '../context/tenant-context.js';
import type { TenantResolution, TenantResolver } from '../hosts/resolve-tenant.js';

/** The `next` callback of Express and Connect. */
export type NextFunction = (error?: unknown) => void;

export type TenantMiddleware = (request: IncomingMessage, response: ServerResponse, next: NextFunction) => void;

export interface TenantMiddlewareOptions {
  resolver: TenantResolver;
  /**
   * Read the host from the first X-Forwarded-Host value instead of Host. Turn it on only behind a
   * proxy that sets the header itself, because clients can send any value.
   */
  trustForwardedHost?: boolean;
  /** Handler for rejected requests, used instead of the default 400 or 403 plain-text response. */
  onRejected?: (request: IncomingMessage, response: ServerResponse, rejection: Extract<TenantResolution, { ok: false }>) => void;
}

/**
 * Creates an Express/Connect-compatible middleware that resolves the request's tenant and runs the
 * rest of the request inside its tenant context. A malformed host gets 400, an unknown host 403
 * (strict mode); neither response body repeats the host the client sent.
 */
export function tenantMiddleware(options: TenantMiddlewareOptions): TenantMiddleware {
  return (request, response, next) => {
    let resolution: TenantResolution;
    try {
      resolution = options.resolver.resolveTenant(requestHost(request, options.trustForwardedHost === true));
    } catch (error) {
      next(error);
      return;
    }

    if (!resolution.ok) {
      (options.onRejected ?? rejectRequest)(request, response, resolution);
      return;
    }

    runWithTenant(resolution.alias, () => next());
  };
}

function requestHost(request: IncomingMessage, trustForwardedHost: boolean): string {
  if (trustForwardedHost) {
    const forwarded = request.headers['x-forwarded-host'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first !== undefined && first !== '') {
      return first;
    }
  }

  // HTTP/2 requests carry the host in :authority; node:http2's compatibility layer exposes it here.
  const authority = request.headers[':authority'];
  return request.headers.host ?? (typeof authority === 'string' ? authority : '');
}

function rejectRequest(_request: IncomingMessage, response: ServerResponse, rejection: Extract<TenantResolution, { ok: false }>): void {
  const [status, body] = rejection.reason === 'malformed' ? [400, 'Bad Request: invalid Host header\n'] : [403, 'Forbidden: unknown host\n'];
  response.statusCode = status;
  response.setHeader('content-type', 'text/plain; charset=utf-8');
  response.setHeader('cache-control', 'no-store');
  response.end(body);
}
