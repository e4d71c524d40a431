"""fanlab's runtime client for Lambda's python3.x runtimes.

Started by the emulator as `python3 <runtimes_dir>/python/bootstrap.py` (which
imports this module, so that Python caches its compiled form) with
AWS_LAMBDA_RUNTIME_API, _HANDLER (`module.function`, the module may be a path
such as `dir/sub/app`), LAMBDA_TASK_ROOT and the usual AWS_LAMBDA_*
variables. It imports the handler's module from LAMBDA_TASK_ROOT, then loops
over the Lambda Runtime API (2018-06-01): GET next, call the handler, POST the
response or the error. It behaves like AWS's own Python runtime interface
client (awslambdaric): the same error types and messages, the same context
object, the same log format for the `logging` module. It uses the standard
library only. functions/runtimes/README.md describes it in full.

Imports are kept to what the loop needs at start (json, http.client, logging);
traceback and decimal are imported only when an error or a Decimal needs them.
"""

import http.client
import json
import logging
import os
import sys
import time

_API = "/2018-06-01/runtime"
# The emulator's own clock (epoch milliseconds) when it answered `next`. The
# deadline header is on that clock, which may be virtual; without the header
# the wall clock is used, as AWS does.
_NOW_HEADER = "Lambda-Runtime-Fanlab-Now-Ms"
_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
# AWS joins the lines of an error written to the log with a carriage return,
# so that one error is one log event, and indents them with no-break spaces.
_ERROR_LINE_JOIN = "\r"
_ERROR_INDENT = "\u00a0"
# Traceback frames in this file are the runtime's, not the user's.
_RUNTIME_FILE = __file__


class _Fault(Exception):
    """An error the runtime itself names (Runtime.ImportModuleError, ...)."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def _make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _error_from_exception(exc, request_id=None):
    """The error document for an exception raised by user code: the class
    name, str(exc) and the traceback without the runtime's own frames."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    for i, frame in enumerate(frames):
        if frame.filename != _RUNTIME_FILE:
            frames = frames[i:]
            break
    else:
        frames = []
    return _make_error(
        str(exc),
        type(exc).__name__,
        traceback.format_list(frames),
        request_id,
    )


def _indent(line):
    stripped = line.lstrip(" ")
    return _ERROR_INDENT * (len(line) - len(stripped)) + stripped


def _log_error(error):
    """Writes an error to stdout as one log event, the way AWS does:
    `[ERROR] Type: message` then the traceback, lines joined by '\\r'."""
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description]
    trace = error.get("stackTrace")
    if trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in trace:
            if element == "":
                lines.append("")
            else:
                lines.extend(_indent(line) for line in element.splitlines())
    sys.stdout.write(_ERROR_LINE_JOIN.join(lines) + "\n")


class _Unbuffered:
    """Flushes after every write, so that output reaches the emulator at
    once (AWS's runtime does the same to stdout and stderr)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        n = self._stream.write(text)
        self._stream.flush()
        return n

    def writelines(self, lines):
        self._stream.writelines(lines)
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


# The request being handled, for the log lines of the `logging` module.
_current_request_id = None


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _current_request_id or ""
        return True


class _StdoutHandler(logging.Handler):
    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


def _setup_logging():
    """The root logger writes `[LEVEL]\\t<UTC time>.<ms>Z\\t<request id>\\t
    <message>` lines to stdout, as in Lambda. Its level stays WARNING (the
    logging module's default) unless AWS_LAMBDA_LOG_LEVEL says otherwise."""
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s"
            "\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL",
                 "CRITICAL"):
        level = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(
            level, level)
        root.setLevel(level)
    root.addHandler(handler)


class _RuntimeApi:
    """One keep-alive HTTP/1.1 connection to the Runtime API. No timeout:
    `next` blocks for as long as the environment is idle."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        # timeout=None, not the default: a socket.setdefaulttimeout() in the
        # user's code must not cut the wait for the next invocation short.
        self._conn = http.client.HTTPConnection(host, int(port), timeout=None)

    def _request(self, method, path, body=None, headers=None):
        headers = headers or {}
        for attempt in (0, 1):
            try:
                self._conn.request(method, path, body, headers)
                response = self._conn.getresponse()
                return response, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                # The server closed the idle connection before reading this
                # request: nothing was processed, so send it again once.
                self._conn.close()
                if attempt == 1:
                    raise

    def next(self):
        response, body = self._request("GET", _API + "/invocation/next")
        if response.status != 200:
            raise RuntimeError(
                "GET invocation/next answered %d: %r" %
                (response.status, body))
        return response, body

    def post_response(self, request_id, body, content_type):
        response, answer = self._request(
            "POST", "%s/invocation/%s/response" % (_API, request_id), body,
            {"Content-Type": content_type})
        _check_posted(response, answer, "response")

    def post_error(self, request_id, error):
        response, answer = self._request(
            "POST", "%s/invocation/%s/error" % (_API, request_id),
            _to_json(error).encode(), {
                "Content-Type": "application/json",
                _ERROR_TYPE_HEADER: "Unhandled",
            })
        _check_posted(response, answer, "error")

    def post_init_error(self, error):
        response, answer = self._request(
            "POST", _API + "/init/error", _to_json(error).encode(), {
                "Content-Type": "application/json",
                _ERROR_TYPE_HEADER: error["errorType"],
            })
        _check_posted(response, answer, "init error")


def _check_posted(response, answer, what):
    # 413 (response too large) and the like: the Runtime API has recorded
    # the failure itself, the loop goes on.
    if response.status != 202:
        sys.stderr.write("fanlab runtime: posting the %s answered %d: %s\n" %
                         (what, response.status,
                          answer.decode(errors="replace")))


class _Encoder(json.JSONEncoder):
    def default(self, o):
        # DynamoDB-style numbers: AWS's encoder writes a Decimal as a number.
        import decimal

        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


_ENCODER = _Encoder()


def _to_json(value):
    return _ENCODER.encode(value)


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __repr__(self):
        return ("CognitoIdentity([cognito_identity_id=%s,"
                "cognito_identity_pool_id=%s])" %
                (self.cognito_identity_id, self.cognito_identity_pool_id))


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name",
                 "app_version_code", "app_package_name")

    def __repr__(self):
        return "Client([%s])" % ",".join(
            "%s=%s" % (k, getattr(self, k)) for k in self.__slots__)


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (
            self.custom, self.env, self.client)


def _object_from(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


class LambdaContext:
    """The handler's second argument, with the attributes of AWS's."""

    def __init__(self, request_id, deadline_ms, now_ms, arrived,
                 invoked_function_arn, client_context, identity):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = None
        self.client_context = _object_from(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _object_from(
                Client, self.client_context.client)
        self.identity = _object_from(CognitoIdentity, {})
        if identity is not None:
            self.identity.cognito_identity_id = identity.get(
                "cognitoIdentityId")
            self.identity.cognito_identity_pool_id = identity.get(
                "cognitoIdentityPoolId")
        self._deadline_ms = deadline_ms
        self._now_ms = now_ms
        self._arrived = arrived

    def get_remaining_time_in_millis(self):
        # The emulator's clock ran at real speed since it answered `next`.
        now_ms = self._now_ms + (time.monotonic() - self._arrived) * 1000
        remaining = int(self._deadline_ms - now_ms)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return ("LambdaContext([aws_request_id=%s,log_group_name=%s,"
                "log_stream_name=%s,function_name=%s,memory_limit_in_mb=%s,"
                "function_version=%s,invoked_function_arn=%s,"
                "client_context=%s,identity=%s,tenant_id=%s])" %
                (self.aws_request_id, self.log_group_name,
                 self.log_stream_name, self.function_name,
                 self.memory_limit_in_mb, self.function_version,
                 self.invoked_function_arn, self.client_context,
                 self.identity, self.tenant_id))


def _load_handler(handler):
    """Imports `module.function` as AWS does; raises _Fault for the errors
    AWS names, lets anything else raised by the module's code through."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise _Fault("Runtime.MalformedHandlerName",
                     "Bad handler '%s': %s" % (handler, e))
    import importlib

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise _Fault(
                "Runtime.BuiltInModuleConflict",
                "Cannot use built-in module %s as a handler module" % modname)
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise _Fault("Runtime.ImportModuleError",
                     "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' %
                 (e.filename, e.lineno, e.text)]
        raise _Fault("Runtime.UserCodeSyntaxError",
                     "Syntax error in module '%s': %s" % (modname, e), trace)
    try:
        return getattr(module, fname)
    except AttributeError:
        raise _Fault("Runtime.HandlerNotFound",
                     "Handler '%s' missing on module '%s'" % (fname, modname))


def _parse_json_header(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except Exception as e:
        raise _Fault("Runtime.LambdaContextUnmarshalError",
                     "Unable to parse %s JSON: %s" % (name, e))


def _handle(client, handler, response, body):
    global _current_request_id
    arrived = time.monotonic()
    header = {name.lower(): value for name, value in response.getheaders()}.get
    request_id = header("lambda-runtime-aws-request-id")
    _current_request_id = request_id
    trace_id = header("lambda-runtime-trace-id")
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    now_header = header(_NOW_HEADER.lower())
    now_ms = int(now_header) if now_header else time.time() * 1000
    error = None
    try:
        context = LambdaContext(
            request_id, int(header("lambda-runtime-deadline-ms") or 0), now_ms,
            arrived, header("lambda-runtime-invoked-function-arn"),
            _parse_json_header(header("lambda-runtime-client-context"),
                               "Client Context"),
            _parse_json_header(header("lambda-runtime-cognito-identity"),
                               "Cognito Identity"))
        content_type = header("content-type") or "application/json"
        if content_type == "application/json":
            try:
                event = json.loads(body)
            except Exception as e:
                raise _Fault("Runtime.UnmarshalError",
                             "Unable to unmarshal input: %s" % e)
        else:
            event = body
        result = handler(event, context)
        if isinstance(result, bytes):
            payload, result_type = result, "application/unknown"
        else:
            try:
                payload = _to_json(result).encode()
            except Exception as e:
                raise _Fault("Runtime.MarshalError",
                             "Unable to marshal response: %s" % e)
            result_type = "application/json"
    except _Fault as f:
        error = _make_error(f.message, f.error_type, f.trace, request_id)
    except Exception as e:
        error = _error_from_exception(e, request_id)
    if error is not None:
        _log_error(error)
        client.post_error(request_id, error)
    else:
        client.post_response(request_id, payload, result_type)


def main():
    sys.stdout = _Unbuffered(sys.stdout)
    sys.stderr = _Unbuffered(sys.stderr)
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # The user's modules come from LAMBDA_TASK_ROOT, never from the runtime's
    # folder (where bootstrap.py is).
    runtime_dir = os.path.dirname(os.path.realpath(_RUNTIME_FILE))
    sys.path[:] = [task_root] + [
        p for p in sys.path if os.path.realpath(p or ".") != runtime_dir]
    _setup_logging()
    client = _RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except _Fault as f:
        error = _make_error(f.message, f.error_type, f.trace)
    except Exception as e:
        error = _error_from_exception(e)
    else:
        error = None
    if error is not None:
        _log_error(error)
        client.post_init_error(error)
        sys.exit(1)
    while True:
        response, body = client.next()
        _handle(client, handler, response, body)
