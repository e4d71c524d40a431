"""A small Flask-style router for a Lambda function behind API Gateway.

DoParallel was written as a Flask app deployed with Zappa, which turns
API Gateway's proxy events into WSGI requests. This module keeps the
app's shape (`@app.route`, `request.get_json()`, `jsonify`) without
Flask or Zappa: the function's handler is `app.lambda_handler`.

    app = Router()

    @app.route("/v1/test", methods=["POST"])
    def test():
        if not request.get_json(silent=True):
            return jsonify(message="no body"), 400
        return jsonify(result="true")

    handler = app.lambda_handler

A view returns a `Response` (what `jsonify` makes), a dict or list (sent
as JSON), a string, or a tuple `(that, status)`. Paths are literal
(`/v1/job`); a trailing slash is ignored. An unknown path answers 404 and
a known path with another method 405, as Flask does. An exception that a
view lets out fails the invocation: API Gateway then answers 502.
"""

import base64
import json


class Response:
    """An HTTP answer: status, headers and a text body."""

    def __init__(self, body="", status=200, headers=None):
        self.body = body
        self.status = status
        self.headers = dict(headers or {})

    def to_proxy(self):
        """API Gateway's proxy response."""
        return {"statusCode": self.status, "headers": self.headers,
                "body": self.body}


def jsonify(*args, **kwargs):
    """A JSON Response, as Flask's: jsonify(obj) or jsonify(key=value)."""
    if args and kwargs:
        raise TypeError("jsonify takes an object or keywords, not both")
    value = args[0] if len(args) == 1 else (list(args) if args else kwargs)
    return Response(json.dumps(value), 200,
                    {"Content-Type": "application/json"})


class BadRequest(Exception):
    """Raised by request.get_json() for a body that is not JSON."""


class _Request:
    """The request being served. Lambda runs one invocation at a time in
    an environment, so one module-level object is enough."""

    def __init__(self):
        self._bind({}, None)

    def _bind(self, event, context):
        self.event = event
        self.context = context  # the Lambda context (Zappa's lambda.context)
        self.method = (event.get("httpMethod") or "GET").upper()
        self.path = event.get("path") or "/"
        self.headers = {k.lower(): v
                        for k, v in (event.get("headers") or {}).items()}
        self.args = dict(event.get("queryStringParameters") or {})
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            self.data = base64.b64decode(body)
        else:
            self.data = body.encode("utf-8")

    @property
    def is_json(self):
        mimetype = self.headers.get("content-type", "").split(";")[0]
        mimetype = mimetype.strip().lower()
        return mimetype == "application/json" or mimetype.endswith("+json")

    def get_json(self, force=False, silent=False):
        """The body parsed as JSON; None when the request does not say it
        is JSON (unless force). A body that does not parse raises
        BadRequest (the router answers 400), or gives None when silent."""
        if not (force or self.is_json):
            return None
        try:
            return json.loads(self.data.decode("utf-8"))
        except ValueError:
            if silent:
                return None
            raise BadRequest("the body is not valid JSON")


request = _Request()


class Router:
    def __init__(self):
        self._views = {}  # path -> {method: view}

    def route(self, path, methods=("GET",)):
        """Registers the decorated function as the view of `path`."""
        def register(view):
            by_method = self._views.setdefault(path.rstrip("/") or "/", {})
            for method in methods:
                by_method[method.upper()] = view
            return view
        return register

    def lambda_handler(self, event, context):
        """The Lambda handler: an API Gateway proxy event in, its proxy
        response out."""
        if not isinstance(event, dict) or "httpMethod" not in event:
            raise ValueError("expected an API Gateway proxy event")
        request._bind(event, context)
        by_method = self._views.get(request.path.rstrip("/") or "/")
        if by_method is None:
            return _error(404, "Not Found").to_proxy()
        view = by_method.get(request.method)
        if view is None:
            return _error(405, "Method Not Allowed").to_proxy()
        try:
            answer = view()
        except BadRequest as e:
            return _error(400, str(e)).to_proxy()
        return _make_response(answer).to_proxy()


def _error(status, message):
    response = jsonify(message=message)
    response.status = status
    return response


def _make_response(answer):
    status = None
    if isinstance(answer, tuple):
        answer, status = answer
    if isinstance(answer, Response):
        response = answer
    elif isinstance(answer, (dict, list)):
        response = jsonify(answer)
    else:
        response = Response(str(answer), 200,
                            {"Content-Type": "text/html; charset=utf-8"})
    if status is not None:
        response.status = status
    return response
