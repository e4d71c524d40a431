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

Start-up cost: before the handler's module is imported, the client loads
only `_socket` (the C socket module, not socket.py with its enum classes)
and `_json` (the json package's C accelerator, without the package and its
`re`), on top of what `python3 -c pass` loads. It speaks HTTP/1.1
itself (http.client would pull in ssl and email). `logging` is configured
by a hook the moment anyone imports it, so a module that never logs does
not pay for it; traceback and decimal are imported only when an error or a
Decimal needs them, and the handler's module is imported with __import__
(importlib's package is not needed).
"""

import _socket
import os
import sys
import time

try:
    import _json
except ImportError:  # not CPython: the json module does all the work
    _json = None

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


def _setup_logging(logging):
    """The root logger writes `[LEVEL]\\t<UTC time>.<ms>Z\\t<request id>\\t
    <message>` lines to stdout, as in Lambda. Its level stays WARNING (the
    logging module's default) unless AWS_LAMBDA_LOG_LEVEL says otherwise.
    `logging` is the module, just imported."""

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


class _LoggingHook:
    """A sys.meta_path finder that only watches for the first import of
    `logging`: it lets the other finders find the module and configures it
    (_setup_logging) as soon as the module's code has run, before the
    importer gets it. So the log format is in place before any user code
    logs, as in Lambda, without importing `logging` at start (it costs a
    few milliseconds: re, traceback, threading, string...)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(_LoggingHook)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_and_set_up(module):
            # The loader is this module's own: drop the wrapper, run the
            # module's code, then configure it.
            try:
                del loader.exec_module
            except AttributeError:
                pass
            exec_module(module)
            _setup_logging(module)

        try:
            loader.exec_module = exec_and_set_up
        except AttributeError:
            # A loader with __slots__ (none of CPython's own): `logging`
            # loads unconfigured.
            pass
        return spec


def _install_logging():
    """Configures `logging` now if something already imported it, else at
    its first import."""
    if "logging" in sys.modules:
        _setup_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingHook)


class _HttpError(Exception):
    """The Runtime API's answer is not HTTP/1.1 this client can read, or the
    connection broke in the middle of it."""


class _ServerClosed(Exception):
    """The server closed the connection before any byte of the answer."""


class _Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # {lower-case name: value}; the last one wins
        self.body = body


# The status line and headers of one answer, together, at most; one chunk
# size line or trailer line of a chunked body, at most.
_MAX_HEAD_BYTES = 65536
_MAX_LINE_BYTES = 4096
_RECV_BYTES = 65536


class _RuntimeApi:
    """One keep-alive HTTP/1.1 connection to the Runtime API, over a plain
    socket with TCP_NODELAY and no timeout: `next` blocks for as long as the
    environment is idle. Requests carry Content-Length; answers are read by
    Content-Length, chunked transfer coding or, without either, up to the
    close. A request that finds its reused connection closed by the server
    (no byte of an answer came back, so nothing was processed) is sent once
    more on a new connection."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._address = address
        self._host = host.strip("[]")
        self._port = int(port)
        self._sock = None
        self._buffer = bytearray()

    def _connect(self):
        error = None
        # The host as bytes: a str would load the idna codec (unicodedata,
        # stringprep) to encode it.
        for family, kind, proto, _, sockaddr in _socket.getaddrinfo(
                self._host.encode("ascii"), self._port, 0,
                _socket.SOCK_STREAM):
            sock = _socket.socket(family, kind, proto)
            try:
                # Blocking, whatever socket.setdefaulttimeout() the user's
                # code set: the wait for `next` has no end.
                sock.settimeout(None)
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
                sock.connect(sockaddr)
            except OSError as e:
                sock.close()
                error = e
                continue
            self._sock = sock
            self._buffer = bytearray()
            return
        raise error or OSError("no address for %s" % self._address)

    def _close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _request(self, method, path, body=None, headers=None):
        head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, path,
                                                    self._address)
        for name, value in (headers or {}).items():
            head += "%s: %s\r\n" % (name, value)
        if body is not None:
            head += "Content-Length: %d\r\n" % len(body)
        message = head.encode("latin-1") + b"\r\n"
        if body:
            message += body
        for attempt in (0, 1):
            reused = self._sock is not None
            try:
                if not reused:
                    self._connect()
                self._sock.sendall(message)
                return self._read_response()
            except (_ServerClosed, ConnectionResetError, BrokenPipeError) as e:
                got_bytes = isinstance(e, OSError) and len(self._buffer) > 0
                self._close()
                if attempt == 1 or not reused or got_bytes:
                    raise _HttpError(
                        "%s %s: the connection was closed before the answer "
                        "(%s)" % (method, path, str(e) or "end of stream"))
            except OSError as e:
                self._close()
                raise _HttpError("%s %s: %s" % (method, path, e))
            except BaseException:
                # Whatever is left on the connection cannot be trusted.
                self._close()
                raise

    def _fill(self, what):
        """Reads more bytes into the buffer; raises _HttpError at the end of
        the stream, naming `what` was being read."""
        chunk = self._sock.recv(_RECV_BYTES)
        if not chunk:
            raise _HttpError("the connection was closed inside the %s" % what)
        self._buffer += chunk

    def _read_line(self, what):
        buffer = self._buffer
        start = 0
        while True:
            end = buffer.find(b"\r\n", start)
            if end >= 0:
                line = bytes(buffer[:end])
                del buffer[:end + 2]
                return line
            if len(buffer) > _MAX_LINE_BYTES:
                raise _HttpError("%s longer than %d bytes" %
                                 (what, _MAX_LINE_BYTES))
            start = max(len(buffer) - 1, 0)
            self._fill(what)

    def _read_exactly(self, n, what):
        buffer = self._buffer
        while len(buffer) < n:
            self._fill(what)
        data = bytes(buffer[:n])
        del buffer[:n]
        return data

    def _read_response(self):
        while True:
            status, version, headers = self._read_head()
            if status >= 200:
                break
            # 1xx: an interim answer; the real one follows.
        close = version == "HTTP/1.0" or "close" in headers.get(
            "connection", "").lower()
        coding = headers.get("transfer-encoding")
        length = headers.get("content-length")
        if status in (204, 304):
            body = b""
        elif coding is not None:
            if coding.strip().lower() != "chunked":
                raise _HttpError("unsupported Transfer-Encoding %r" % coding)
            body = self._read_chunked()
        elif length is not None:
            if not length.strip().isdigit():
                raise _HttpError("malformed Content-Length %r" % length)
            body = self._read_exactly(int(length), "body")
        else:
            body = self._read_to_close()
            close = True
        if close:
            self._close()
        return _Response(status, headers, body)

    def _read_head(self):
        buffer = self._buffer
        start = 0
        while True:
            end = buffer.find(b"\r\n\r\n", start)
            if end >= 0:
                break
            if len(buffer) > _MAX_HEAD_BYTES:
                raise _HttpError("answer's header section longer than %d "
                                 "bytes" % _MAX_HEAD_BYTES)
            start = max(len(buffer) - 3, 0)
            chunk = self._sock.recv(_RECV_BYTES)
            if not chunk:
                if not buffer:
                    raise _ServerClosed()
                raise _HttpError("the connection was closed inside the "
                                 "answer's header section")
            buffer += chunk
        if end > _MAX_HEAD_BYTES:
            raise _HttpError("answer's header section longer than %d bytes" %
                             _MAX_HEAD_BYTES)
        lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
        del buffer[:end + 4]
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if (version not in ("HTTP/1.1", "HTTP/1.0") or len(code) != 3 or
                not code.isdigit() or rest[3:4] not in ("", " ")):
            raise _HttpError("malformed status line %r" % lines[0][:200])
        headers = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise _HttpError("malformed header line %r" % line[:200])
            headers[name.lower()] = value.strip(" \t")
        return int(code), version, headers

    def _read_chunked(self):
        parts = []
        while True:
            line = self._read_line("chunk size line")
            size = line.split(b";", 1)[0].strip()
            try:
                n = int(size, 16)
            except ValueError:
                n = -1
            if n < 0 or not size or size[:1] in (b"+", b"-") or \
                    size[:2].lower() == b"0x":
                raise _HttpError("malformed chunk size line %r" % line[:200])
            if n == 0:
                break
            parts.append(self._read_exactly(n, "chunked body"))
            if self._read_exactly(2, "chunked body") != b"\r\n":
                raise _HttpError("chunk of %d bytes not followed by CRLF" % n)
        # Trailers, up to the empty line.
        while self._read_line("chunked body's trailer"):
            pass
        return b"".join(parts)

    def _read_to_close(self):
        while True:
            chunk = self._sock.recv(_RECV_BYTES)
            if not chunk:
                break
            self._buffer += chunk
        body = bytes(self._buffer)
        self._buffer = bytearray()
        return body

    def next(self):
        response = self._request("GET", _API + "/invocation/next")
        if response.status != 200:
            raise _HttpError("GET invocation/next answered %d: %r" %
                             (response.status, response.body[:200]))
        return response

    def post_response(self, request_id, body, content_type):
        response = self._request(
            "POST", "%s/invocation/%s/response" % (_API, request_id), body,
            {"Content-Type": content_type})
        _check_posted(response, "response")

    def post_error(self, request_id, error):
        response = self._request(
            "POST", "%s/invocation/%s/error" % (_API, request_id),
            _to_json(error).encode(), {
                "Content-Type": "application/json",
                _ERROR_TYPE_HEADER: "Unhandled",
            })
        _check_posted(response, "error")

    def post_init_error(self, error):
        response = self._request(
            "POST", _API + "/init/error", _to_json(error).encode(), {
                "Content-Type": "application/json",
                _ERROR_TYPE_HEADER: error["errorType"],
            })
        _check_posted(response, "init error")


def _check_posted(response, what):
    # 413 (response too large) and the like: the Runtime API has recorded
    # the failure itself, the loop goes on.
    if response.status != 202:
        sys.stderr.write("fanlab runtime: posting the %s answered %d: %s\n" %
                         (what, response.status,
                          response.body.decode(errors="replace")))


# JSON goes through the json module's own C accelerator, _json, driven the
# way json.dumps() and json.loads() drive it, so that the json package (and
# re, which it imports) is not loaded at start. On any failure the json
# module does the same work again, so that its own exception (message and
# type) is the one raised.


def _json_default(o):
    # DynamoDB-style numbers: AWS's encoder writes a Decimal as a number. A
    # Decimal exists only if its module was imported.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(o, decimal.Decimal):
        return int(o) if o == o.to_integral_value() else float(o)
    raise TypeError("Object of type %s is not JSON serializable" %
                    o.__class__.__name__)


def _slow_to_json(value):
    import json

    class _Encoder(json.JSONEncoder):
        def default(self, o):
            return _json_default(o)

    return _Encoder().encode(value)


def _to_json(value):
    """json.dumps(value) with Decimals as numbers."""
    if _json is None:
        return _slow_to_json(value)
    if isinstance(value, str):
        return _json.encode_basestring_ascii(value)
    try:
        # json.JSONEncoder's arguments: check_circular, ensure_ascii,
        # allow_nan, separators (", ", ": "), no indent, no sort.
        return "".join(
            _json.make_encoder({}, _json_default,
                               _json.encode_basestring_ascii, None, ": ",
                               ", ", False, False, True)(value, 0))
    except Exception:
        return _slow_to_json(value)


class _ScanContext:
    """What json.JSONDecoder() gives its scanner."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {
        "-Infinity": float("-inf"),
        "Infinity": float("inf"),
        "NaN": float("nan"),
    }.__getitem__


_SCAN = _json.make_scanner(_ScanContext()) if _json is not None else None
_WHITESPACE = " \t\n\r"


def _from_json(data):
    """json.loads(data) for str or bytes."""
    text = data
    if _SCAN is not None:
        if isinstance(data, (bytes, bytearray)):
            # UTF-16/32 and a UTF-8 BOM: left to json.loads.
            if b"\x00" in data[:4] or data[:3] == b"\xef\xbb\xbf":
                text = None
            else:
                try:
                    text = data.decode("utf-8", "surrogatepass")
                except UnicodeDecodeError:
                    text = None
        if isinstance(text, str):
            try:
                value, end = _SCAN(text,
                                   len(text) - len(text.lstrip(_WHITESPACE)))
            except Exception:
                pass
            else:
                if not text[end:].strip(_WHITESPACE):
                    return value
    import json

    return json.loads(data)


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
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise _Fault(
                "Runtime.BuiltInModuleConflict",
                "Cannot use built-in module %s as a handler module" % modname)
        # importlib.import_module(name) for an absolute name, without
        # importing importlib's package.
        name = modname.replace("/", ".")
        __import__(name)
        module = sys.modules[name]
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
        return _from_json(value)
    except Exception as e:
        raise _Fault("Runtime.LambdaContextUnmarshalError",
                     "Unable to parse %s JSON: %s" % (name, e))


def _handle(client, handler, response):
    global _current_request_id
    arrived = time.monotonic()
    body = response.body
    header = response.headers.get
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
                event = _from_json(body)
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
    _install_logging()
    client = _RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except _Fault as f:
        error = _make_error(f.message, f.error_type, f.trace)
    except Exception as e:
        error = _error_from_exception(e)
    else:
        error = None
    try:
        if error is not None:
            _log_error(error)
            client.post_init_error(error)
            sys.exit(1)
        while True:
            _handle(client, handler, client.next())
    except _HttpError as e:
        sys.stderr.write("fanlab runtime: the Runtime API at %s: %s\n" %
                         (os.environ["AWS_LAMBDA_RUNTIME_API"], e))
        sys.exit(1)
