'use strict';
// The relay batch pattern: a long task cut into Lambda-sized hops, handed
// from one invocation to the next through an SQS queue made for the relay.
//
//   const relayPkt = await relay.setup(context, 'worker');  // queue + mapping
//   relayPkt.myJob = {...};
//   await relay.relayPass(relayPkt);            // once, or once per part
//
//   // in 'worker', the queue's event source mapping calls:
//   const relayPkt = relay.getRelayPkt(event);  // null: not a relay message
//   ... work while context.getRemainingTimeInMillis() allows ...
//   await relay.relayPass(relayPkt, delaySeconds);  // more to do
//   await relay.tearDown(relayPkt);                  // all done
//
// The packet: {QueueUrl, UUID (the event source mapping's), stats:
// {sqsCount: relayPass calls so far}, ...your own keys}; at most 64 KB as
// JSON. Calls go through the AWS SDK's SQS and Lambda clients, with their
// usual configuration (region, credentials, endpoint) from the environment.

const {
  SQSClient,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
} = require('@aws-sdk/client-sqs');
const {
  LambdaClient,
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
} = require('@aws-sdk/client-lambda');

const MAX_PACKET_BYTES = 64 * 1024;
const MAX_DELAY_SECONDS = 900;

let sqsClient;
let lambdaClient;
function sqs() {
  sqsClient = sqsClient || new SQSClient({});
  return sqsClient;
}
function lambda() {
  lambdaClient = lambdaClient || new LambdaClient({});
  return lambdaClient;
}

// Creates the relay's queue (`queueName`, default relay-<request id>) and
// an event source mapping from it to `lambdaFunc` (one message per
// invocation). Returns the first packet, with sqsCount 0.
async function setup(context, lambdaFunc, queueName) {
  if (!lambdaFunc) throw new Error('setup: lambdaFunc is required');
  const name = queueName || `relay-${context.awsRequestId}`;
  const { QueueUrl } = await sqs().send(
    new CreateQueueCommand({ QueueName: name }),
  );
  const { Attributes } = await sqs().send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const mapping = await lambda().send(
    new CreateEventSourceMappingCommand({
      EventSourceArn: Attributes.QueueArn,
      FunctionName: lambdaFunc,
      BatchSize: 1,
      Enabled: true,
    }),
  );
  return { QueueUrl, UUID: mapping.UUID, stats: { sqsCount: 0 } };
}

// The packet an SQS event carries, or null when the event holds no relay
// packet (not JSON, no QueueUrl or UUID).
function getRelayPkt(event) {
  const record = event && Array.isArray(event.Records) && event.Records[0];
  if (!record) return null;
  let pkt = record.body;
  if (typeof pkt === 'string') {
    try {
      pkt = JSON.parse(pkt);
    } catch (e) {
      return null;
    }
  }
  if (!pkt || typeof pkt !== 'object' || Array.isArray(pkt)) return null;
  if (typeof pkt.QueueUrl !== 'string' || !pkt.QueueUrl) return null;
  if (typeof pkt.UUID !== 'string' || !pkt.UUID) return null;
  if (!pkt.stats || typeof pkt.stats !== 'object') pkt.stats = {};
  if (typeof pkt.stats.sqsCount !== 'number') pkt.stats.sqsCount = 0;
  return pkt;
}

// Sends the packet to the relay's queue for the next hop, after
// delaySeconds (0 to 900: SQS's most, 15 minutes), counting the pass in
// stats.sqsCount. A packet over 64 KB is refused before anything is sent.
async function relayPass(relayPkt, delaySeconds) {
  const delay = Math.min(
    MAX_DELAY_SECONDS,
    Math.max(0, Math.round(Number(delaySeconds) || 0)),
  );
  relayPkt.stats = relayPkt.stats || { sqsCount: 0 };
  relayPkt.stats.sqsCount = (relayPkt.stats.sqsCount || 0) + 1;
  const body = JSON.stringify(relayPkt);
  const size = Buffer.byteLength(body);
  if (size > MAX_PACKET_BYTES) {
    relayPkt.stats.sqsCount -= 1;
    throw new Error(
      `relayPass: the packet is ${size} bytes as JSON, more than ${MAX_PACKET_BYTES}`,
    );
  }
  await sqs().send(
    new SendMessageCommand({
      QueueUrl: relayPkt.QueueUrl,
      MessageBody: body,
      DelaySeconds: delay,
    }),
  );
  return relayPkt;
}

// Ends the relay: deletes its event source mapping, then its queue.
async function tearDown(relayPkt) {
  await lambda().send(
    new DeleteEventSourceMappingCommand({ UUID: relayPkt.UUID }),
  );
  await sqs().send(new DeleteQueueCommand({ QueueUrl: relayPkt.QueueUrl }));
}

module.exports = { setup, getRelayPkt, relayPass, tearDown, MAX_PACKET_BYTES };
