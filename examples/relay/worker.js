'use strict';
// The relay's worker (Lambda handler `worker.handler`), called by the
// relay queue's event source mapping with one packet.
//
// Does units of work (each `unitMs` of computing) while the time the last
// one took, and half as much again, plus RESERVE_MS (default 0) fits in
// the time the invocation has left; then passes the packet on when units
// remain. When none remain it POSTs the packet to RESULT_URL (if set) and,
// when its own message is the last of the queue (in parallel mode, the
// last part to finish), tears the relay down. A message that is no relay
// packet is logged and consumed.
const { performance } = require('node:perf_hooks');
const {
  SQSClient,
  GetQueueAttributesCommand,
} = require('@aws-sdk/client-sqs');
const relay = require('./lib/relay');
const { nextDelay } = require('./setup');

const sqs = new SQSClient({});

// One unit: unitMs of computing (an xorshift stream, standing for the
// job's own work), measured as the job would measure it.
function doUnit(unitMs) {
  const start = performance.now();
  let x = 0x9e3779b9;
  do {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  } while (performance.now() - start < unitMs);
  return x >>> 0;
}

// Messages left in the queue, this one (in flight) included.
async function messagesLeft(queueUrl) {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((n, v) => n + Number(v), 0);
}

exports.handler = async (event, context) => {
  const relayPkt = relay.getRelayPkt(event);
  if (relayPkt == null || !Number.isInteger(relayPkt.todo) ||
      typeof relayPkt.unitMs !== 'number') {
    console.log('invalid relay message');
    return { packet: null };
  }
  const reserveMs = Number(process.env.RESERVE_MS || 0);

  let units = 0;
  while (relayPkt.todo > 0) {
    const start = performance.now();
    doUnit(relayPkt.unitMs);
    const taken = performance.now() - start;
    relayPkt.todo -= 1;
    relayPkt.done = (relayPkt.done || 0) + 1;
    units += 1;
    if (Math.ceil(taken + taken * 0.5) + reserveMs >
        context.getRemainingTimeInMillis()) {
      break;
    }
  }
  console.log(`relay ${relayPkt.QueueUrl} part ${relayPkt.part}: ${units} units done, ` +
              `${relayPkt.todo} left, ${context.getRemainingTimeInMillis()} ms remaining`);

  if (relayPkt.todo > 0) {
    await relay.relayPass(relayPkt, nextDelay(relayPkt));
    return { packet: { units, todo: relayPkt.todo, relayed: true } };
  }
  if (process.env.RESULT_URL) {
    const res = await fetch(process.env.RESULT_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(relayPkt),
    });
    if (!res.ok) throw new Error(`RESULT_URL answered ${res.status}`);
  }
  const last = (await messagesLeft(relayPkt.QueueUrl)) <= 1;
  if (last) await relay.tearDown(relayPkt);
  return { packet: { units, todo: 0, relayed: false, tornDown: last } };
};
