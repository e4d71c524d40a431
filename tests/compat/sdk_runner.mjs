// The compatibility scenarios with the AWS SDK for JavaScript v3, or with
// sqs-consumer (+ sqs-producer):
//
//   node sdk_runner.mjs ENDPOINT WORKDIR sdk|sqs-consumer
//
// Prints {"client": ..., "version": ...} and then one JSON line per case,
// as compat_lib.py does: {"service", "case", "ok", "error", "ms"}. A case
// whose `needs` did not pass is not run ("blocked by <case>").
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as sqsSdk from '@aws-sdk/client-sqs';
import * as snsSdk from '@aws-sdk/client-sns';
import * as s3Sdk from '@aws-sdk/client-s3';
import * as lambdaSdk from '@aws-sdk/client-lambda';
import * as ddbSdk from '@aws-sdk/client-dynamodb';
import * as ebSdk from '@aws-sdk/client-eventbridge';

const [endpoint, workdir, mode] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));

// Every call is bounded: connect and request timeouts, no retries.
const common = {
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'compat', secretAccessKey: 'compat' },
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 5000, requestTimeout: 15000 },
};

const passed = new Map();
async function run(service, name, fn, needs = []) {
  const blocked = needs.filter((n) => !passed.get(`${service}/${n}`));
  const start = performance.now();
  let ok = false;
  let error = '';
  if (blocked.length) {
    error = `blocked by ${blocked.join(', ')}`;
  } else {
    try {
      await fn();
      ok = true;
    } catch (e) {
      const text = String(e?.message ?? e).split(/\s+/).join(' ');
      error = `${e?.name ?? 'Error'}: ${text.length > 300 ? text.slice(0, 297) + '...' : text}`;
    }
  }
  passed.set(`${service}/${name}`, ok);
  console.log(JSON.stringify({ service, case: name, ok, error, ms: Math.round(performance.now() - start) }));
  return ok;
}

function check(condition, what) {
  if (!condition) throw new Error(what);
}

// Fixtures from another service, over the AWS JSON protocol with fetch: each
// service's column measures its own client only.
async function raw(action, body) {
  const answer = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AmazonSQS.${action}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15000),
  });
  if (!answer.ok) throw new Error(`${action}: HTTP ${answer.status} ${await answer.text()}`);
  return answer.json();
}

async function fixtureQueue(name) {
  const { QueueUrl } = await raw('CreateQueue', { QueueName: name });
  const { Attributes } = await raw('GetQueueAttributes', { QueueUrl, AttributeNames: ['QueueArn'] });
  return [QueueUrl, Attributes.QueueArn];
}

async function fixtureReceive(url, count, seconds = 5) {
  const bodies = [];
  const deadline = Date.now() + seconds * 1000;
  while (bodies.length < count && Date.now() < deadline) {
    const got = await raw('ReceiveMessage', { QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 });
    for (const m of got.Messages ?? []) {
      bodies.push(m.Body);
      await raw('DeleteMessage', { QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
    }
  }
  return bodies;
}

const md5 = (data) => createHash('md5').update(data).digest('hex');

async function sqsScenario() {
  const sqs = new sqsSdk.SQSClient(common);
  const s = {};
  const q = ['create_queue'];
  await run('sqs', 'create_queue', async () => {
    s.url = (await sqs.send(new sqsSdk.CreateQueueCommand({
      QueueName: 'compat-jobs', Attributes: { VisibilityTimeout: '30' } }))).QueueUrl;
  });
  await run('sqs', 'get_queue_url', async () => {
    const { QueueUrl } = await sqs.send(new sqsSdk.GetQueueUrlCommand({ QueueName: 'compat-jobs' }));
    check(QueueUrl === s.url, `GetQueueUrl gave ${QueueUrl}, not ${s.url}`);
  }, q);
  await run('sqs', 'send_message', async () => {
    const sent = await sqs.send(new sqsSdk.SendMessageCommand({
      QueueUrl: s.url, MessageBody: 'hello',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } } }));
    check(sent.MD5OfMessageBody === md5('hello'), 'MD5OfMessageBody differs');
  }, q);
  await run('sqs', 'send_message_batch', async () => {
    const got = await sqs.send(new sqsSdk.SendMessageBatchCommand({
      QueueUrl: s.url, Entries: [0, 1, 2].map((i) => ({ Id: `${i}`, MessageBody: `batch-${i}` })) }));
    check(got.Successful?.length === 3 && !got.Failed?.length, `batch answer ${JSON.stringify(got)}`);
  }, q);
  await run('sqs', 'receive_message', async () => {
    const got = await sqs.send(new sqsSdk.ReceiveMessageCommand({
      QueueUrl: s.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    const messages = got.Messages ?? [];
    check(messages.length === 4, `received ${messages.length} of 4`);
    const hello = messages.find((m) => m.Body === 'hello');
    check(hello, "no 'hello' message");
    check(hello.MessageAttributes?.kind?.StringValue === 'greeting', "message attribute 'kind' missing");
    check(hello.Attributes?.ApproximateReceiveCount, 'attribute ApproximateReceiveCount missing');
    s.messages = messages;
  }, [...q, 'send_message', 'send_message_batch']);
  const r = [...q, 'receive_message'];
  await run('sqs', 'delete_message', async () => {
    await sqs.send(new sqsSdk.DeleteMessageCommand({ QueueUrl: s.url, ReceiptHandle: s.messages[0].ReceiptHandle }));
  }, r);
  await run('sqs', 'change_message_visibility', async () => {
    await sqs.send(new sqsSdk.ChangeMessageVisibilityCommand({
      QueueUrl: s.url, ReceiptHandle: s.messages[1].ReceiptHandle, VisibilityTimeout: 0 }));
    const got = await sqs.send(new sqsSdk.ReceiveMessageCommand({ QueueUrl: s.url, WaitTimeSeconds: 1 }));
    check(got.Messages?.length === 1, 'the message made visible again was not received');
    s.messages[1] = got.Messages[0];
  }, r);
  await run('sqs', 'delete_message_batch', async () => {
    const got = await sqs.send(new sqsSdk.DeleteMessageBatchCommand({
      QueueUrl: s.url, Entries: s.messages.slice(1).map((m, i) => ({ Id: `${i}`, ReceiptHandle: m.ReceiptHandle })) }));
    check(got.Successful?.length === 3 && !got.Failed?.length, `batch answer ${JSON.stringify(got)}`);
  }, [...r, 'change_message_visibility']);
  await run('sqs', 'queue_attributes', async () => {
    await sqs.send(new sqsSdk.SetQueueAttributesCommand({
      QueueUrl: s.url, Attributes: { DelaySeconds: '0', VisibilityTimeout: '45' } }));
    const { Attributes } = await sqs.send(new sqsSdk.GetQueueAttributesCommand({ QueueUrl: s.url, AttributeNames: ['All'] }));
    check(Attributes.VisibilityTimeout === '45', `VisibilityTimeout ${JSON.stringify(Attributes)}`);
    check(Attributes.ApproximateNumberOfMessages === '0', `depth ${JSON.stringify(Attributes)}`);
  }, r);
  await run('sqs', 'purge_queue', async () => {
    await sqs.send(new sqsSdk.SendMessageCommand({ QueueUrl: s.url, MessageBody: 'to purge' }));
    await sqs.send(new sqsSdk.PurgeQueueCommand({ QueueUrl: s.url }));
    const got = await sqs.send(new sqsSdk.ReceiveMessageCommand({ QueueUrl: s.url, WaitTimeSeconds: 0 }));
    check(!got.Messages?.length, 'a message survived the purge');
  }, q);
  await run('sqs', 'fifo_queue', async () => {
    const { QueueUrl } = await sqs.send(new sqsSdk.CreateQueueCommand({
      QueueName: 'compat-jobs.fifo', Attributes: { FifoQueue: 'true' } }));
    const dedups = ['a', 'b', 'a'];
    for (let i = 0; i < dedups.length; i++) {
      await sqs.send(new sqsSdk.SendMessageCommand({
        QueueUrl, MessageBody: `fifo-${i}`, MessageGroupId: 'g1', MessageDeduplicationId: dedups[i] }));
    }
    const got = await sqs.send(new sqsSdk.ReceiveMessageCommand({
      QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    const bodies = (got.Messages ?? []).map((m) => m.Body);
    check(JSON.stringify(bodies) === '["fifo-0","fifo-1"]', `FIFO received ${JSON.stringify(bodies)}`);
    check(got.Messages[0].Attributes?.MessageGroupId === 'g1', 'MessageGroupId attribute missing');
    await sqs.send(new sqsSdk.DeleteQueueCommand({ QueueUrl }));
  });
  await run('sqs', 'missing_queue_error', async () => {
    try {
      await sqs.send(new sqsSdk.ReceiveMessageCommand({ QueueUrl: `${endpoint}/000000000000/missing` }));
    } catch (e) {
      if (e instanceof sqsSdk.QueueDoesNotExist) return;
      throw e;
    }
    throw new Error('no QueueDoesNotExist thrown');
  });
  await run('sqs', 'delete_queue', async () => {
    await sqs.send(new sqsSdk.DeleteQueueCommand({ QueueUrl: s.url }));
    const { QueueUrls } = await sqs.send(new sqsSdk.ListQueuesCommand({}));
    check(!(QueueUrls ?? []).includes(s.url), 'the deleted queue is still listed');
  }, q);
}

async function snsScenario() {
  const sns = new snsSdk.SNSClient(common);
  const s = {};
  const t = ['create_topic'];
  await run('sns', 'create_topic', async () => {
    s.arn = (await sns.send(new snsSdk.CreateTopicCommand({ Name: 'compat-events' }))).TopicArn;
  });
  await run('sns', 'subscribe_queue', async () => {
    let queueArn;
    [s.queue, queueArn] = await fixtureQueue('compat-sns-inbox');
    s.sub = (await sns.send(new snsSdk.SubscribeCommand({
      TopicArn: s.arn, Protocol: 'sqs', Endpoint: queueArn, ReturnSubscriptionArn: true }))).SubscriptionArn;
  }, t);
  await run('sns', 'publish', async () => {
    await sns.send(new snsSdk.PublishCommand({
      TopicArn: s.arn, Message: 'order 42', Subject: 'orders',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' } } }));
  }, t);
  await run('sns', 'message_arrives', async () => {
    const bodies = await fixtureReceive(s.queue, 1);
    check(bodies.length, 'nothing arrived in the subscribed queue');
    const envelope = JSON.parse(bodies[0]);
    check(envelope.Message === 'order 42', `envelope ${bodies[0]}`);
  }, [...t, 'subscribe_queue', 'publish']);
  await run('sns', 'list_topics', async () => {
    const arns = ((await sns.send(new snsSdk.ListTopicsCommand({}))).Topics ?? []).map((x) => x.TopicArn);
    check(arns.includes(s.arn), `topic not listed: ${arns}`);
    const subs = (await sns.send(new snsSdk.ListSubscriptionsByTopicCommand({ TopicArn: s.arn }))).Subscriptions ?? [];
    check(subs.length === 1, `subscriptions ${JSON.stringify(subs)}`);
  }, [...t, 'subscribe_queue']);
  await run('sns', 'delete_topic', async () => {
    await sns.send(new snsSdk.UnsubscribeCommand({ SubscriptionArn: s.sub }));
    await sns.send(new snsSdk.DeleteTopicCommand({ TopicArn: s.arn }));
    const arns = ((await sns.send(new snsSdk.ListTopicsCommand({}))).Topics ?? []).map((x) => x.TopicArn);
    check(!arns.includes(s.arn), 'the deleted topic is still listed');
  }, [...t, 'subscribe_queue']);
}

async function s3Scenario() {
  const s3 = new s3Sdk.S3Client({ ...common, forcePathStyle: true });
  const Bucket = 'compat-artifacts';
  const body = Buffer.alloc(64 * 1024, 'fanlab');
  const b = ['create_bucket'];
  await run('s3', 'create_bucket', async () => {
    await s3.send(new s3Sdk.CreateBucketCommand({ Bucket }));
  });
  await run('s3', 'put_object', async () => {
    const got = await s3.send(new s3Sdk.PutObjectCommand({
      Bucket, Key: 'runs/1.bin', Body: body, ContentType: 'application/octet-stream' }));
    check(got.ETag?.replaceAll('"', '') === md5(body), `ETag ${got.ETag}`);
  }, b);
  const p = [...b, 'put_object'];
  await run('s3', 'get_object', async () => {
    const got = await s3.send(new s3Sdk.GetObjectCommand({ Bucket, Key: 'runs/1.bin' }));
    const read = Buffer.from(await got.Body.transformToByteArray());
    check(read.equals(body), 'the body read back differs');
  }, p);
  await run('s3', 'head_object', async () => {
    const got = await s3.send(new s3Sdk.HeadObjectCommand({ Bucket, Key: 'runs/1.bin' }));
    check(got.ContentLength === body.length, `ContentLength ${got.ContentLength}`);
  }, p);
  await run('s3', 'list_objects_v2', async () => {
    await s3.send(new s3Sdk.PutObjectCommand({ Bucket, Key: 'runs/2.txt', Body: '2' }));
    const got = await s3.send(new s3Sdk.ListObjectsV2Command({ Bucket, Prefix: 'runs/' }));
    const keys = (got.Contents ?? []).map((o) => o.Key);
    check(JSON.stringify(keys) === '["runs/1.bin","runs/2.txt"]', `keys ${keys}`);
  }, p);
  await run('s3', 'delete_object', async () => {
    for (const Key of ['runs/1.bin', 'runs/2.txt']) {
      await s3.send(new s3Sdk.DeleteObjectCommand({ Bucket, Key }));
    }
    const got = await s3.send(new s3Sdk.ListObjectsV2Command({ Bucket }));
    check(!got.Contents?.length, 'objects left after delete');
    await s3.send(new s3Sdk.DeleteBucketCommand({ Bucket }));
  }, p);
}

async function lambdaScenario() {
  const lambda = new lambdaSdk.LambdaClient(common);
  const FunctionName = 'compat-echo';
  const decode = (bytes) => JSON.parse(Buffer.from(bytes).toString());
  const f = ['create_function'];
  await run('lambda', 'create_function', async () => {
    await lambda.send(new lambdaSdk.CreateFunctionCommand({
      FunctionName, Runtime: 'python3.12', Handler: 'index.handler',
      Code: { ZipFile: readFileSync(path.join(workdir, 'function.zip')) },
      Role: 'arn:aws:iam::000000000000:role/compat', Timeout: 10 }));
  });
  await run('lambda', 'invoke_request_response', async () => {
    const got = await lambda.send(new lambdaSdk.InvokeCommand({ FunctionName, Payload: JSON.stringify({ n: 1 }) }));
    check(got.StatusCode === 200 && !got.FunctionError, `status ${got.StatusCode} ${got.FunctionError}`);
    const payload = decode(got.Payload);
    check(JSON.stringify(payload) === '{"echo":{"n":1}}', `payload ${JSON.stringify(payload)}`);
  }, f);
  await run('lambda', 'invoke_event', async () => {
    const got = await lambda.send(new lambdaSdk.InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: '{"n":2}' }));
    check(got.StatusCode === 202, `status ${got.StatusCode}`);
  }, f);
  await run('lambda', 'invoke_log_tail', async () => {
    const got = await lambda.send(new lambdaSdk.InvokeCommand({ FunctionName, LogType: 'Tail', Payload: '{"n":3}' }));
    const log = Buffer.from(got.LogResult ?? '', 'base64').toString();
    check(log.includes('compat-echo says hello'), `LogResult ${JSON.stringify(log)}`);
  }, f);
  await run('lambda', 'list_functions', async () => {
    const names = ((await lambda.send(new lambdaSdk.ListFunctionsCommand({}))).Functions ?? []).map((x) => x.FunctionName);
    check(names.includes(FunctionName), `functions ${names}`);
  }, f);
  await run('lambda', 'get_function', async () => {
    const got = await lambda.send(new lambdaSdk.GetFunctionCommand({ FunctionName }));
    check(got.Configuration?.Handler === 'index.handler', `configuration ${JSON.stringify(got.Configuration)}`);
  }, f);
  await run('lambda', 'delete_function', async () => {
    await lambda.send(new lambdaSdk.DeleteFunctionCommand({ FunctionName }));
    try {
      await lambda.send(new lambdaSdk.GetFunctionCommand({ FunctionName }));
    } catch (e) {
      if (e instanceof lambdaSdk.ResourceNotFoundException) return;
      throw e;
    }
    throw new Error('the deleted function is still there');
  }, f);
}

async function dynamodbScenario() {
  const ddb = new ddbSdk.DynamoDBClient(common);
  const TableName = 'compat-orders';
  const t = ['create_table'];
  await run('dynamodb', 'create_table', async () => {
    await ddb.send(new ddbSdk.CreateTableCommand({
      TableName, BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] }));
  });
  await run('dynamodb', 'put_item', async () => {
    for (let sk = 0; sk < 3; sk++) {
      await ddb.send(new ddbSdk.PutItemCommand({ TableName, Item: {
        pk: { S: 'order' }, sk: { N: `${sk}` }, status: { S: 'new' }, total: { N: '10.5' } } }));
    }
  }, t);
  const p = [...t, 'put_item'];
  await run('dynamodb', 'get_item', async () => {
    const got = await ddb.send(new ddbSdk.GetItemCommand({ TableName, Key: { pk: { S: 'order' }, sk: { N: '1' } } }));
    check(got.Item?.total?.N === '10.5', `item ${JSON.stringify(got.Item)}`);
  }, p);
  await run('dynamodb', 'query', async () => {
    const got = await ddb.send(new ddbSdk.QueryCommand({
      TableName, KeyConditionExpression: 'pk = :pk AND sk >= :min',
      ExpressionAttributeValues: { ':pk': { S: 'order' }, ':min': { N: '1' } } }));
    const sks = (got.Items ?? []).map((i) => i.sk.N);
    check(JSON.stringify(sks) === '["1","2"]', `items ${JSON.stringify(got.Items)}`);
  }, p);
  await run('dynamodb', 'update_with_condition', async () => {
    const update = {
      TableName, Key: { pk: { S: 'order' }, sk: { N: '0' } },
      UpdateExpression: 'SET #s = :done', ConditionExpression: '#s = :new',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':done': { S: 'done' }, ':new': { S: 'new' } } };
    const got = await ddb.send(new ddbSdk.UpdateItemCommand({ ...update, ReturnValues: 'ALL_NEW' }));
    check(got.Attributes?.status?.S === 'done', `answer ${JSON.stringify(got)}`);
    try {
      await ddb.send(new ddbSdk.UpdateItemCommand(update));
    } catch (e) {
      if (e instanceof ddbSdk.ConditionalCheckFailedException) return;
      throw e;
    }
    throw new Error('a false condition did not fail');
  }, p);
  await run('dynamodb', 'scan', async () => {
    const got = await ddb.send(new ddbSdk.ScanCommand({
      TableName, FilterExpression: '#s = :new',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':new': { S: 'new' } } }));
    check(got.Count === 2, `scan count ${got.Count}`);
    await ddb.send(new ddbSdk.DeleteTableCommand({ TableName }));
  }, [...p, 'update_with_condition']);
}

async function eventbridgeScenario() {
  const events = new ebSdk.EventBridgeClient(common);
  const r = ['put_rule'];
  await run('eventbridge', 'put_rule', async () => {
    await events.send(new ebSdk.PutRuleCommand({ Name: 'compat-tick', ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' }));
  });
  await run('eventbridge', 'put_targets', async () => {
    const [, Arn] = await fixtureQueue('compat-ticks');
    const got = await events.send(new ebSdk.PutTargetsCommand({ Rule: 'compat-tick', Targets: [{ Id: 'queue', Arn }] }));
    check(got.FailedEntryCount === 0, `answer ${JSON.stringify(got)}`);
  }, r);
  await run('eventbridge', 'list_rules', async () => {
    const names = ((await events.send(new ebSdk.ListRulesCommand({}))).Rules ?? []).map((x) => x.Name);
    check(names.includes('compat-tick'), `rules ${names}`);
    const targets = (await events.send(new ebSdk.ListTargetsByRuleCommand({ Rule: 'compat-tick' }))).Targets ?? [];
    check(targets.length === 1 && targets[0].Id === 'queue', `targets ${JSON.stringify(targets)}`);
  }, [...r, 'put_targets']);
  await run('eventbridge', 'delete_rule', async () => {
    await events.send(new ebSdk.RemoveTargetsCommand({ Rule: 'compat-tick', Ids: ['queue'] }));
    await events.send(new ebSdk.DeleteRuleCommand({ Name: 'compat-tick' }));
  }, [...r, 'put_targets']);
}

// sqs-consumer: N messages produced with sqs-producer, consumed by a
// handler, every one deleted.
async function consumerScenario() {
  const { Consumer } = await import('sqs-consumer');
  const { Producer } = await import('sqs-producer');
  const sqs = new sqsSdk.SQSClient(common);
  const count = 25;
  const s = {};
  await run('sqs', 'create_queue', async () => {
    s.url = (await sqs.send(new sqsSdk.CreateQueueCommand({ QueueName: 'compat-consumer' }))).QueueUrl;
  });
  await run('sqs', 'produce', async () => {
    const producer = Producer.create({ queueUrl: s.url, sqs, batchSize: 10 });
    const ids = Array.from({ length: count }, (_, i) => ({ id: `m${i}`, body: `job ${i}` }));
    const failed = (await producer.send(ids)).filter((r) => !r.MessageId);
    check(!failed.length, `sqs-producer: ${failed.length} not sent`);
  }, ['create_queue']);
  await run('sqs', 'consume', async () => {
    const seen = new Set();
    await new Promise((resolve, reject) => {
      const consumer = Consumer.create({
        queueUrl: s.url, sqs, batchSize: 10, waitTimeSeconds: 1, pollingWaitTimeMs: 0,
        handleMessage: async (m) => {
          seen.add(m.Body);
          if (seen.size === count) setImmediate(() => { consumer.stop(); resolve(); });
          return m;
        },
      });
      const fail = (e) => { consumer.stop(); reject(e); };
      consumer.on('error', fail);
      consumer.on('processing_error', fail);
      consumer.start();
      setTimeout(() => fail(new Error(`consumed ${seen.size} of ${count} in 20 s`)), 20000).unref();
    });
  }, ['create_queue', 'produce']);
  await run('sqs', 'all_deleted', async () => {
    const deadline = Date.now() + 10000;
    let attributes;
    do {
      ({ Attributes: attributes } = await sqs.send(new sqsSdk.GetQueueAttributesCommand({
        QueueUrl: s.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] })));
      if (attributes.ApproximateNumberOfMessages === '0' && attributes.ApproximateNumberOfMessagesNotVisible === '0') return;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    throw new Error(`left in the queue: ${JSON.stringify(attributes)}`);
  }, ['create_queue', 'consume']);
}

function versionOf(name) {
  return JSON.parse(readFileSync(path.join(here, 'node_modules', name, 'package.json'))).version;
}

try {
  if (mode === 'sqs-consumer') {
    console.log(JSON.stringify({ client: 'sqs-consumer', version: versionOf('sqs-consumer'),
      producer: versionOf('sqs-producer') }));
    await consumerScenario();
  } else {
    console.log(JSON.stringify({ client: 'aws-sdk-js', version: versionOf('@aws-sdk/client-sqs') }));
    for (const scenario of [sqsScenario, snsScenario, s3Scenario, lambdaScenario, dynamodbScenario, eventbridgeScenario]) {
      await scenario();
    }
  }
} catch (e) {
  console.log(JSON.stringify({ fatal: `${e?.name}: ${e?.message}` }));
  process.exitCode = 1;
}
process.exit();
