// An HTTP API handler on Node's standard library alone: API Gateway's REST
// proxy event in, {statusCode, headers, body} out, as deployed to Lambda
// behind a proxy integration.
//
//   GET  /greetings/{name}   {"greeting": "Hello, <name>!"}
//   POST /sum                {"sum": <the numbers of the JSON array>}
//                            400 when the body is not an array of numbers

function reply(statusCode, body) {
  return {
    statusCode,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
}

export const handler = async (event, context) => {
  if (event.httpMethod === "GET" && event.pathParameters?.name) {
    return reply(200, {
      greeting: `Hello, ${event.pathParameters.name}!`,
      function: context.functionName,
    });
  }
  if (event.httpMethod === "POST" && event.path === "/sum") {
    let numbers;
    try {
      numbers = JSON.parse(event.body ?? "");
    } catch {
      return reply(400, { message: "The body must be a JSON array of numbers." });
    }
    if (!Array.isArray(numbers) || !numbers.every((n) => typeof n === "number")) {
      return reply(400, { message: "The body must be a JSON array of numbers." });
    }
    return reply(200, { sum: numbers.reduce((a, b) => a + b, 0) });
  }
  return reply(404, { message: `No handler for ${event.httpMethod} ${event.path}.` });
};
