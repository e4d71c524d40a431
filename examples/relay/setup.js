'use strict';
// The relay's start (Lambda handler `setup.handler`), invoked with the
// job: {"name": "r1", "units": 40, "unitMs": 5, "parts": 1,
// "delaySeconds": 0, "custom": {...}}.
//
// Sets the relay up (its queue relay-<name> and the mapping onto the
// function WORKER_FUNCTION, default "worker"), then passes one packet per
// part (parallel mode when parts > 1; the units split evenly, the first
// parts one more). `delaySeconds` delays the passes: a number for every
// pass, or a list whose element k is the delay of a packet's pass number
// k + 1 (setup's pass is element 0; past the end, the last element).
// Answers {QueueUrl, UUID, parts}.
const relay = require('./lib/relay');

function invalid(message) {
  const e = new Error(message);
  e.name = 'InvalidInput';
  return e;
}

// The delay of a packet's next pass.
function nextDelay(pkt) {
  const d = pkt.delaySeconds;
  if (!Array.isArray(d)) return d || 0;
  if (d.length === 0) return 0;
  return d[Math.min(pkt.stats.sqsCount, d.length - 1)];
}

exports.handler = async (event, context) => {
  const { name, units, unitMs } = event;
  const parts = event.parts === undefined ? 1 : event.parts;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,74}$/.test(name)) {
    throw invalid('name: 1 to 74 letters, digits, - or _');
  }
  if (!Number.isInteger(units) || units < 0) throw invalid('units: an integer >= 0');
  if (typeof unitMs !== 'number' || unitMs < 0) throw invalid('unitMs: a number >= 0');
  if (!Number.isInteger(parts) || parts < 1 || parts > 1000) {
    throw invalid('parts: an integer from 1 to 1000');
  }

  const relayPkt = await relay.setup(
    context,
    process.env.WORKER_FUNCTION || 'worker',
    `relay-${name}`,
  );
  for (let part = 0; part < parts; part++) {
    const pkt = {
      ...relayPkt,
      stats: { ...relayPkt.stats },
      todo: Math.floor(units / parts) + (part < units % parts ? 1 : 0),
      done: 0,
      unitMs,
      delaySeconds: event.delaySeconds || 0,
      part,
      parts,
      custom: event.custom === undefined ? null : event.custom,
    };
    await relay.relayPass(pkt, nextDelay(pkt));
  }
  return { QueueUrl: relayPkt.QueueUrl, UUID: relayPkt.UUID, parts };
};

exports.nextDelay = nextDelay;
