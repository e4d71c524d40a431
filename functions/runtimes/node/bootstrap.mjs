// fanlab's runtime client for Lambda's nodejs18.x, nodejs20.x and nodejs22.x
// runtimes.
//
// Started by the emulator as `node <runtimes_dir>/node/bootstrap.mjs` with
// AWS_LAMBDA_RUNTIME_API, _HANDLER (`module.function`; the module may be a
// path such as `dir/sub/app`, the function a nested property such as
// `handlers.orders.create`), LAMBDA_TASK_ROOT and the usual AWS_LAMBDA_*
// variables. It loads the handler's module from LAMBDA_TASK_ROOT (CommonJS or
// ES module), then loops over the Lambda Runtime API (2018-06-01): GET next,
// call the handler, POST the response or the error. It behaves like the
// runtime interface client of AWS's Node.js 18-22 runtimes: the same error
// types and messages, the same context object with its callback
// semantics, the same console log format. It uses Node's built-in modules
// only. functions/runtimes/README.md describes it in full.

import { Agent, request } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const API = '/2018-06-01/runtime';
// The emulator's own clock (epoch milliseconds) when it answered `next`.
// The deadline header is on that clock, which may be virtual; without the
// header the wall clock is used, as AWS does.
const NOW_HEADER = 'lambda-runtime-fanlab-now-ms';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------
// Errors the runtime itself names, with AWS's names and messages.

class RuntimeError extends Error {}
const runtimeErrors = {};
for (const name of [
  'ImportModuleError',
  'HandlerNotFound',
  'MalformedHandlerName',
  'UserCodeSyntaxError',
  'NodeJsExit',
]) {
  runtimeErrors[name] = class extends RuntimeError {};
  runtimeErrors[name].prototype.name = `Runtime.${name}`;
}
class UnhandledPromiseRejection extends RuntimeError {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

function isErrorLike(value) {
  return (
    value &&
    typeof value.name === 'string' &&
    typeof value.message === 'string' &&
    typeof value.stack === 'string' &&
    value.name &&
    value.message &&
    value.stack
  );
}

// The body of an error POST: Node's runtimes send `trace`, not `stackTrace`.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: error.stack.split('\n'),
      };
    }
    return {
      errorType: typeof error,
      errorMessage: error.toString(),
      trace: [],
    };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

// An error as the log shows it: a tab, then JSON with the error's name,
// message, code, own properties and stack lines.
function toFormatted(error) {
  const withProperties = (_key, value) => {
    if (!(value instanceof Error)) return value;
    const out = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: value.code },
      value,
    );
    if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
    return out;
  };
  try {
    return '\t' + JSON.stringify(error, withProperties);
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// ---------------------------------------------------------------------------
// Console: `<ISO time>\t<request id>\t<LEVEL>\t<message>` lines on stdout,
// newlines inside a message turned into '\r' so one call is one log event.

const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');

function patchConsole() {
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  const wanted = levels.indexOf(
    (process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase(),
  );
  const minimum = wanted < 0 ? 0 : wanted;
  const make = (level) => {
    if (levels.indexOf(level) < minimum && level !== 'FATAL') return () => {};
    return (message, ...params) => {
      const line = `${new Date().toISOString()}\t${globalThis[REQUEST_ID]}\t${level}\t${util.format(message, ...params)}`;
      process.stdout.write(line.replace(/\n/g, '\r') + '\n');
    };
  };
  console.trace = make('TRACE');
  console.debug = make('DEBUG');
  console.info = make('INFO');
  console.log = console.info;
  console.warn = make('WARN');
  console.error = make('ERROR');
  console.fatal = make('FATAL');
}

function logError(what, err) {
  console.error(what, toFormatted(intoError(err)));
}

// ---------------------------------------------------------------------------
// The Runtime API: one keep-alive connection, no timeout (`next` blocks for
// as long as the environment is idle).

const [apiHost, apiPort] = (process.env.AWS_LAMBDA_RUNTIME_API || '').split(
  ':',
);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: apiHost, port: apiPort, method, path: urlPath, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function post(urlPath, bodyString, extraHeaders = {}) {
  return call('POST', urlPath, bodyString, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(bodyString),
    ...extraHeaders,
  }).then((res) => {
    // 413 (response too large) and the like: the Runtime API recorded the
    // failure itself, the loop goes on.
    if (res.status !== 202) {
      process.stderr.write(
        `fanlab runtime: POST ${urlPath} answered ${res.status}: ${res.body}\n`,
      );
    }
  });
}

function serialize(body) {
  try {
    return JSON.stringify(body === undefined ? null : body);
  } catch {
    throw new Error('Unable to stringify response body');
  }
}

const client = {
  async next() {
    const res = await call('GET', `${API}/invocation/next`);
    if (res.status !== 200) {
      throw new Error(`GET invocation/next answered ${res.status}: ${res.body}`);
    }
    return res;
  },
  // Serializes at once (a result that cannot be serialized throws here, in
  // the caller), posts, then calls `then`.
  postResponse(result, id, then) {
    const body = serialize(result);
    post(`${API}/invocation/${encodeURIComponent(id)}/response`, body).then(
      then,
      fatal,
    );
  },
  postError(error, id, then) {
    const body = serialize(toRapidResponse(error));
    post(`${API}/invocation/${encodeURIComponent(id)}/error`, body, {
      [ERROR_TYPE_HEADER]: 'Unhandled',
    }).then(then, fatal);
  },
  postInitError(error, then) {
    const response = toRapidResponse(error);
    post(`${API}/init/error`, serialize(response), {
      [ERROR_TYPE_HEADER]: response.errorType,
    }).then(then, fatal);
  },
};

// The Runtime API went away: nothing can be reported any more.
function fatal(err) {
  process.stderr.write(`fanlab runtime: ${err && err.stack}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------------------
// Loading the handler, as AWS's runtime does.

function hasPackageTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (existsSync(pj)) {
    try {
      return JSON.parse(readFileSync(pj)).type === 'module';
    } catch (e) {
      console.warn(
        `${pj} cannot be read, it will be ignored for ES module detection purposes.`,
        e,
      );
      return false;
    }
  }
  if (folder === '/') return false;
  return hasPackageTypeModule(path.resolve(folder, '..'));
}

function tryRequire(file) {
  return existsSync(file) ? require(file) : undefined;
}

async function tryImport(file) {
  return existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  try {
    const extensionless = tryRequire(base);
    if (extensionless) return extensionless;
    const esm = hasPackageTypeModule(path.dirname(base));
    if (!esm) {
      const loaded = tryRequire(base + '.js');
      if (loaded) return loaded;
    }
    const loaded =
      (esm && (await tryImport(base + '.js'))) ||
      (await tryImport(base + '.mjs')) ||
      tryRequire(base + '.cjs');
    if (loaded) return loaded;
    // A package under node_modules, or a folder with an index.js.
    return require(
      require.resolve(moduleName, { paths: [appRoot, moduleRoot] }),
    );
  } catch (e) {
    if (e instanceof SyntaxError) {
      const wrapped = new runtimeErrors.UserCodeSyntaxError(String(e));
      wrapped.stack = e.stack;
      throw wrapped;
    }
    if (e && e.code === 'MODULE_NOT_FOUND') {
      throw new runtimeErrors.ImportModuleError(String(e));
    }
    throw e;
  }
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new runtimeErrors.MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(
    0,
    fullHandler.indexOf(handlerString),
  );
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new runtimeErrors.MalformedHandlerName('Bad handler');
  const userModule = await loadModule(appRoot, moduleRoot, match[1]);
  const handler = match[2]
    .split('.')
    .reduce((nested, key) => nested && nested[key], userModule);
  if (!handler) {
    throw new runtimeErrors.HandlerNotFound(
      `${fullHandler} is undefined or not exported`,
    );
  }
  if (typeof handler !== 'function') {
    throw new runtimeErrors.HandlerNotFound(`${fullHandler} is not a function`);
  }
  return handler;
}

// ---------------------------------------------------------------------------
// The invocation loop.

// What runs when the event loop has nothing left to do ('beforeExit'): the
// pending response of a callback handler, or the end of an invocation
// whose handler never completed.
let beforeExit = () => {};
process.on('beforeExit', () => beforeExit());

// Where an uncaught exception or unhandled rejection is reported: the init
// error until the first invocation, then the current invocation's error.
const errorCallbacks = {
  uncaughtException: (error) =>
    client.postInitError(error, () => process.exit(129)),
  unhandledRejection: (error) =>
    client.postInitError(error, () => process.exit(128)),
};

// The callback, and the part of the context with callbackWaitsForEmptyEventLoop
// and the legacy done/succeed/fail. Only the first of them to be called
// counts. callback(null, result) posts the result at once when the flag is
// false; when true, once the event loop is empty.
function buildCallbackContext(id, scheduleNext) {
  const postError = (err, then) => {
    logError('Invoke Error', err);
    client.postError(err, id, then);
  };
  let completed = false;
  const complete = (result, then) => {
    if (completed) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completed = true;
    client.postResponse(result, id, then);
  };
  let waitForEmptyEventLoop = true;
  const callback = (err, result) => {
    beforeExit = () => {};
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      beforeExit = () => setImmediate(() => complete(result, scheduleNext));
    }
  };
  const done = (err, result) => {
    beforeExit = () => {};
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else {
      complete(result, scheduleNext);
    }
  };
  let finished = false;
  const once =
    (fn) =>
    (...args) => {
      if (finished) return;
      fn(...args);
      finished = true;
    };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: once((result) => done(null, result)),
    fail: once((err) =>
      err === undefined || err === null ? done('handled') : done(err, null),
    ),
    done: once(done),
  };
  return [once(callback), context, () => (completed = true)];
}

function parseJsonHeader(value) {
  return value ? JSON.parse(value) : undefined;
}

function buildContext(headers, callbackContext) {
  const arrived = performance.now();
  const nowMs = headers[NOW_HEADER] ? Number(headers[NOW_HEADER]) : Date.now();
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const env = process.env;
  return Object.assign(callbackContext, {
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context']),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity']),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    // The emulator's clock ran at real speed since it answered `next`.
    getRemainingTimeInMillis: () =>
      deadline - Math.floor(nowMs + (performance.now() - arrived)),
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
  });
}

function isPromise(value) {
  return value && value.then && typeof value.then === 'function';
}

function runLoop(handler) {
  const isAsync = handler.constructor?.name === 'AsyncFunction';

  const scheduleNext = () =>
    setImmediate(() =>
      handleOnce().catch((err) => {
        console.log(`Unexpected Top Level Error: ${err.toString()}`);
        errorCallbacks.uncaughtException(err);
      }),
    );

  async function handleOnce() {
    const { headers, body } = await client.next();
    const id = headers['lambda-runtime-aws-request-id'];
    globalThis[REQUEST_ID] = id;
    const traceId = headers['lambda-runtime-trace-id'];
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;

    const [callback, callbackContext, markCompleted] = buildCallbackContext(
      id,
      scheduleNext,
    );
    try {
      errorCallbacks.uncaughtException = (error) =>
        client.postError(error, id, () => process.exit(129));
      errorCallbacks.unhandledRejection = (error) =>
        client.postError(error, id, () => process.exit(128));
      // The event loop emptied and the handler never completed: an async
      // handler's promise can no longer settle (an error); a callback
      // handler that never called back answers null.
      beforeExit = () => {
        markCompleted();
        if (isAsync) {
          const error = new runtimeErrors.NodeJsExit(
            'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
          );
          logError('Invoke Error', error);
          client.postError(error, id, scheduleNext);
        } else {
          client.postResponse(null, id, scheduleNext);
        }
      };
      const context = buildContext(headers, callbackContext);
      const result = handler(JSON.parse(body), context, callback);
      if (isPromise(result)) {
        result
          .then(callbackContext.succeed, callbackContext.fail)
          .catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  scheduleNext();
}

async function main() {
  patchConsole();
  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let handler;
  try {
    handler = await loadHandler(appRoot, process.env._HANDLER || '');
  } catch (error) {
    logError('Uncaught Exception', error);
    client.postInitError(error, () => process.exit(129));
    return;
  }
  runLoop(handler);
}

main();
