/**
 * The front door: one node:http server answering both QLDB APIs on one port.
 * Every request takes the same path — read the body (bounded), authenticate, decode, validate,
 * run the operation, encode — and every failure leaves as an AWS-shaped error, never a dropped
 * connection or a stack trace.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomUUID } from 'node:crypto';
import type { App } from '../app';
import type { OperationContext, RequestTrace } from '../api/types';
import { controlHandlers } from '../api/control';
import type * as SessionApi from '../api/session/sendCommand';
import { lazy } from '../lazy';
import { ServiceError, internalFailure, unknownOperation } from './errors';
import { parseJsonBody, sendError, sendResult, type Protocol } from './protocol';
import { controlInput } from './inputs';
import { matchRoute, pathKnown } from './router';
import type * as Forward from './forward';
import { opsEndpoint } from './ops';
import type { TlsMaterial } from './tls';

// The session API (the PartiQL engine, Ion) loads with the first session request, not at start-up.
const sessionApi = lazy(() => require('../api/session/sendCommand') as typeof SessionApi);
// only nodes that share a store forward sessions to each other
const forward = lazy(() => require('./forward') as typeof Forward);

const SESSION_TARGET = 'QLDBSession.SendCommand';

class BodyTooLarge extends Error {}

const NO_BODY = Promise.resolve(Buffer.alloc(0));

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  // Without a length or a chunked encoding there is no body (RFC 9112 §6.3): most control-plane
  // requests are GETs, and waiting for their stream to end costs listeners and several ticks.
  if (declared === 0 && req.headers['transfer-encoding'] === undefined) return NO_BODY;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function protocolOf(req: IncomingMessage, path: string): Protocol {
  return req.method === 'POST' && path === '/' && req.headers['x-amz-target'] !== undefined ? 'awsJson1_0' : 'restJson1';
}

/** Plain HTTP, or HTTPS when given a certificate and key (replaced later by `setSecureContext`). */
export function createServer(app: App, tls?: TlsMaterial): Server {
  const options = { keepAliveTimeout: 65_000, requestTimeout: 120_000, headersTimeout: 20_000, maxHeaderSize: 64 * 1024 };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void serve(app, req, res);
  };
  const server: Server = tls ? createHttpsServer({ ...options, cert: tls.cert, key: tls.key }, listener) : createHttpServer(options, listener);
  server.maxHeadersCount = 200;
  // Malformed HTTP never reaches `serve`; still answer it in AWS's shape before closing.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const type = tooLarge ? 'RequestHeaderFieldsTooLargeException' : 'SerializationException';
    const body = JSON.stringify({ Message: tooLarge ? 'Request headers are too large' : 'The request is not valid HTTP/1.1' });
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
        `Content-Type: application/json\r\nx-amzn-ErrorType: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

/**
 * An error message as the log may keep it. Messages quote what the caller sent — a statement
 * parameter compared or parsed (TO_TIMESTAMP(?, …)), a document's field, a tag value in a
 * validation error — and the log must never hold a document or a parameter, so every quoted
 * run is masked; the rest of the message still says what went wrong and where.
 */
export function messageForLog(message: string): string {
  const masked = message.replace(/'[^'\n]*'/g, "'…'");
  return masked.length > 512 ? masked.slice(0, 512) + '…' : masked;
}

async function serve(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const requestId = randomUUID();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const ops = opsEndpoint(app, req.method, path);
  const protocol = protocolOf(req, path);
  let operation = ops ? ops.name : protocol === 'awsJson1_0' ? 'SendCommand' : 'unknown';
  let status = 200;
  let errorType: string | undefined;
  let errorMessage: string | undefined;
  // what the session API's log line and metrics name: the command and its ledger
  const trace: RequestTrace = {};
  try {
    if (ops) {
      status = await ops.run(app, req, res);
      return;
    }
    // Refuse an unsigned or mis-signed request before buffering its body (up to the limit).
    app.auth.precheck({ method: req.method ?? 'GET', url, headers: req.headers });
    let body: Buffer;
    try {
      body = await readBody(req, app.config.maxBodyBytes);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        // The rest of the body is drained (bounded by requestTimeout) rather than cut off, so
        // that a client still uploading can read this answer instead of a connection reset.
        throw new ServiceError('RequestEntityTooLargeException', 413, `Request body exceeds the ${app.config.maxBodyBytes}-byte limit`);
      }
      if ((e as NodeJS.ErrnoException)?.code === 'ECONNRESET' || req.destroyed) {
        // The client hung up mid-body: nobody is left to answer.
        status = 499;
        errorType = 'ClientClosedRequest';
        res.destroy();
        return;
      }
      throw e;
    }
    const caller = await app.auth.authenticate({ method: req.method ?? 'GET', url, headers: req.headers, body });
    const ctx: OperationContext = { caller, app, requestId, trace };
    let output: unknown;
    if (protocol === 'awsJson1_0') {
      const target = String(req.headers['x-amz-target']);
      if (target !== SESSION_TARGET) {
        throw new ServiceError('UnknownOperationException', 400, `Unknown operation ${target.slice(0, 200)}`);
      }
      const command = parseJsonBody(body);
      const owner = app.store.nodes ? forward().tokenOwner(command.SessionToken) : undefined;
      if (owner !== undefined && owner !== app.nodeId) {
        trace.command = 'Forwarded';
        status = await forward().forwardToOwner(app, owner, req, body, res);
        return;
      }
      output = await sessionApi().handle(command, ctx);
    } else {
      const match = matchRoute(req.method ?? 'GET', path);
      if (!match) throw unknownOperation(pathKnown(path) ? 'The method is not allowed on this resource' : 'Unknown operation');
      operation = match.operation.name;
      trace.ledger = match.labels.name;
      const input = controlInput(match, q < 0 ? undefined : url.slice(q + 1), body);
      const handler = controlHandlers[operation];
      if (!handler) {
        throw new ServiceError('UnsupportedOperationException', 400, `${operation} is not supported by openqldb yet`);
      }
      output = await handler(input, ctx);
    }
    sendResult(res, protocol, requestId, output);
  } catch (e) {
    let err: ServiceError;
    if (e instanceof ServiceError) err = e;
    else {
      err = internalFailure();
      app.log.error('internal_error', { requestId, operation, error: e instanceof Error ? e.stack : String(e) });
    }
    status = err.status;
    errorType = err.type;
    errorMessage = err.message;
    sendError(res, protocol, requestId, err);
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (trace.command) operation = trace.command;
    app.metrics?.request(ops ? 'ops' : protocol === 'awsJson1_0' ? 'session' : 'control', operation, status, ms / 1000);
    if (app.config.logRequests && !ops) {
      app.log.info('request', {
        requestId,
        method: req.method,
        path: path.length > 256 ? path.slice(0, 256) + '…' : path,
        operation,
        ledger: trace.ledger,
        status,
        errorType,
        error: errorMessage === undefined ? undefined : messageForLog(errorMessage),
        ms,
      });
    }
  }
}
