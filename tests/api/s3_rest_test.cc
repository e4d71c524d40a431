// S3 over the REST-XML codec end to end, as the HTTP front runs it: request
// bytes (method, path, query, headers, body) through RestXmlRequest, the
// dispatcher and the bucket actions, and RestXmlResponse / RestXmlError
// back to status, headers and bytes. Multipart uploads, CopyObject,
// DeleteObjects, ListObjects (v1), integrity and conditional headers,
// aws-chunked bodies, and the errors of each.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "emulator/api/dispatcher.h"
#include "emulator/api/protocol_rest_xml.h"
#include "emulator/api/service_model.h"
#include "emulator/api/xml.h"
#include "emulator/core/base64.h"
#include "emulator/core/checksum.h"
#include "emulator/core/clock.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/bucket_service.h"
#include "tests/api/dispatch_once.h"

namespace fanlab::api {
namespace {

using services::FindHeader;
using services::HttpHeaders;
using services::HttpRequest;
using services::HttpResponse;

std::string Md5Header(std::string_view body) {
  return Base64Encode(ChecksumDigest(ChecksumAlgorithm::kMd5, body));
}

// An aws-chunked body of `chunks`, with `trailers` ("name:value").
std::string Chunked(const std::vector<std::string>& chunks,
                    const std::vector<std::string>& trailers = {},
                    bool signed_chunks = false) {
  std::string out;
  auto size = [&](size_t n) {
    char hex[32];
    snprintf(hex, sizeof hex, "%zx", n);
    out += hex;
    if (signed_chunks) out += ";chunk-signature=" + std::string(64, 'a');
    out += "\r\n";
  };
  for (const auto& c : chunks) {
    size(c.size());
    out += c + "\r\n";
  }
  size(0);
  for (const auto& t : trailers) out += t + "\r\n";
  out += "\r\n";
  return out;
}

class S3RestTest : public ::testing::Test {
 protected:
  S3RestTest() : dispatcher_(Services{.sqs = queues_, .buckets = &buckets_}) {
    EXPECT_EQ(Send("PUT", "/bkt").status, 200);
  }

  // What the HTTP front does with one S3 request.
  HttpResponse Send(std::string method, std::string path,
                    std::string query = "", std::string body = "",
                    HttpHeaders headers = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.body = std::move(body);
    r.headers = std::move(headers);
    const ServiceModel& model = ServiceModel::Get("s3");
    auto call = RestXmlRequest(model, r, "");
    if (!call.ok()) {
      return RestXmlError(ErrorResponse(call.status(), ApiService::kS3),
                          r.method, "{}", "rid");
    }
    last_action_ = call->operation->name;
    ApiResponse answer =
        DispatchOnce(dispatcher_, call->operation->name, call->json);
    return RestXmlResponse(model, *call->operation, answer, call->json, "rid");
  }

  // The XML body of `r`, parsed.
  static XmlNode Xml(const HttpResponse& r) {
    auto root = ParseXml(r.body);
    EXPECT_TRUE(root.ok()) << r.body;
    return root.ok() ? *root : XmlNode{};
  }
  static std::string Text(const XmlNode& n, std::string_view child) {
    const XmlNode* c = n.Child(child);
    return c == nullptr ? "<none>" : c->text;
  }
  // The S3 error code of an error answer, checking its status.
  static std::string ErrorCode(const HttpResponse& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    XmlNode e = Xml(r);
    EXPECT_EQ(e.name, "Error") << r.body;
    EXPECT_NE(Text(e, "Message"), "") << r.body;
    return Text(e, "Code");
  }
  static std::string Header(const HttpResponse& r, std::string_view name) {
    const std::string* v = FindHeader(r.headers, name);
    return v == nullptr ? "<none>" : *v;
  }

  std::string StartUpload(std::string key, HttpHeaders headers = {}) {
    HttpResponse r = Send("POST", "/bkt/" + key, "uploads", "", headers);
    EXPECT_EQ(r.status, 200) << r.body;
    XmlNode x = Xml(r);
    EXPECT_EQ(x.name, "InitiateMultipartUploadResult");
    EXPECT_EQ(Text(x, "Bucket"), "bkt");
    EXPECT_EQ(Text(x, "Key"), key);
    return Text(x, "UploadId");
  }

  VirtualClock clock_;
  queue::QueueService queues_{clock_};
  services::BucketService buckets_{clock_};
  Dispatcher dispatcher_;
  std::string last_action_;
};

TEST_F(S3RestTest, OneMethodAndPathRoutesByQueryAndHeaders) {
  Send("PUT", "/bkt/src", "", "x");
  Send("PUT", "/bkt/k", "", "x");
  EXPECT_EQ(last_action_, "PutObject");
  std::string id = StartUpload("k");
  EXPECT_EQ(last_action_, "CreateMultipartUpload");
  Send("PUT", "/bkt/k", "partNumber=1&uploadId=" + id, "x");
  EXPECT_EQ(last_action_, "UploadPart");
  Send("PUT", "/bkt/k", "x-id=PutObject", "",
       {{"x-amz-copy-source", "bkt/src"}});
  EXPECT_EQ(last_action_, "CopyObject");
  Send("GET", "/bkt/k", "uploadId=" + id);
  EXPECT_EQ(last_action_, "ListParts");
  Send("GET", "/bkt", "uploads");
  EXPECT_EQ(last_action_, "ListMultipartUploads");
  Send("GET", "/bkt");
  EXPECT_EQ(last_action_, "ListObjects");
  Send("GET", "/bkt/k");
  EXPECT_EQ(last_action_, "GetObject");
  EXPECT_EQ(Send("DELETE", "/bkt/k", "uploadId=" + id).status, 204);
  EXPECT_EQ(last_action_, "AbortMultipartUpload");
  EXPECT_EQ(Send("DELETE", "/bkt/k").status, 204);
  EXPECT_EQ(last_action_, "DeleteObject");
}

TEST_F(S3RestTest, MultipartUploadFromStartToObject) {
  std::string id = StartUpload(
      "dir/big", {{"Content-Type", "text/plain"}, {"x-amz-meta-who", "me"}});
  ASSERT_FALSE(id.empty());
  std::string one(services::kMinPartBytes, 'a'), two = "tail";
  HttpResponse p1 = Send("PUT", "/bkt/dir/big", "partNumber=1&uploadId=" + id,
                         one, {{"Content-MD5", Md5Header(one)}});
  ASSERT_EQ(p1.status, 200) << p1.body;
  std::string etag1 = Header(p1, "ETag");
  EXPECT_EQ(etag1.front(), '"');
  HttpResponse p2 =
      Send("PUT", "/bkt/dir/big", "uploadId=" + id + "&partNumber=2", two);
  ASSERT_EQ(p2.status, 200) << p2.body;

  XmlNode parts = Xml(Send("GET", "/bkt/dir/big", "uploadId=" + id));
  EXPECT_EQ(parts.name, "ListPartsResult");
  EXPECT_EQ(Text(parts, "UploadId"), id);
  EXPECT_EQ(Text(parts, "IsTruncated"), "false");
  std::vector<std::string> sizes;
  for (const XmlNode& c : parts.children) {
    if (c.name == "Part") sizes.push_back(Text(c, "Size"));
  }
  EXPECT_EQ(sizes, (std::vector<std::string>{
                       std::to_string(services::kMinPartBytes), "4"}));

  XmlNode uploads = Xml(Send("GET", "/bkt", "uploads"));
  EXPECT_EQ(uploads.name, "ListMultipartUploadsResult");
  ASSERT_NE(uploads.Child("Upload"), nullptr);
  EXPECT_EQ(Text(*uploads.Child("Upload"), "Key"), "dir/big");
  EXPECT_EQ(Text(*uploads.Child("Upload"), "UploadId"), id);

  std::string complete =
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/"
      "2006-03-01/\"><Part><PartNumber>1</PartNumber><ETag>" +
      etag1 + "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" +
      Header(p2, "ETag") + "</ETag></Part></CompleteMultipartUpload>";
  HttpResponse done = Send("POST", "/bkt/dir/big", "uploadId=" + id, complete);
  ASSERT_EQ(done.status, 200) << done.body;
  XmlNode result = Xml(done);
  EXPECT_EQ(result.name, "CompleteMultipartUploadResult");
  EXPECT_EQ(Text(result, "Key"), "dir/big");
  EXPECT_TRUE(Text(result, "ETag").ends_with("-2\"")) << done.body;

  HttpResponse got = Send("GET", "/bkt/dir/big");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, one + two);
  EXPECT_EQ(Header(got, "Content-Type"), "text/plain");
  EXPECT_EQ(Header(got, "x-amz-meta-who"), "me");
  // The upload is gone.
  EXPECT_EQ(ErrorCode(Send("GET", "/bkt/dir/big", "uploadId=" + id), 404),
            "NoSuchUpload");
}

TEST_F(S3RestTest, MultipartErrorsAreS3s) {
  std::string id = StartUpload("k");
  std::string q = "uploadId=" + id;
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", q + "&partNumber=0", "x"), 400),
            "InvalidArgument");
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", q + "&partNumber=10001", "x"), 400),
            "InvalidArgument");
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", q + "&partNumber=one", "x"), 400),
            "InvalidArgument");
  EXPECT_EQ(
      ErrorCode(Send("PUT", "/bkt/k", "uploadId=nope&partNumber=1", "x"), 404),
      "NoSuchUpload");
  HttpResponse p1 = Send("PUT", "/bkt/k", q + "&partNumber=1", "small");
  HttpResponse p2 = Send("PUT", "/bkt/k", q + "&partNumber=2", "small");
  auto body = [](std::vector<std::pair<int, std::string>> parts) {
    std::string out = "<CompleteMultipartUpload>";
    for (auto& [n, etag] : parts) {
      out += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" +
             etag + "</ETag></Part>";
    }
    return out + "</CompleteMultipartUpload>";
  };
  std::string e1 = Header(p1, "ETag"), e2 = Header(p2, "ETag");
  EXPECT_EQ(ErrorCode(Send("POST", "/bkt/k", q, body({{2, e2}, {1, e1}})), 400),
            "InvalidPartOrder");
  EXPECT_EQ(ErrorCode(Send("POST", "/bkt/k", q, body({{3, e1}})), 400),
            "InvalidPart");
  EXPECT_EQ(ErrorCode(Send("POST", "/bkt/k", q, body({{1, e1}, {2, e2}})), 400),
            "EntityTooSmall");
  EXPECT_EQ(
      ErrorCode(Send("POST", "/bkt/k", q, "<CompleteMultipartUpload>"), 400),
      "MalformedXML");
  EXPECT_EQ(ErrorCode(Send("POST", "/bkt/k", q, ""), 400), "MalformedXML");
  // A part alone completes; then the upload is gone for Abort.
  EXPECT_EQ(Send("POST", "/bkt/k", q, body({{2, e2}})).status, 200);
  EXPECT_EQ(ErrorCode(Send("DELETE", "/bkt/k", q), 404), "NoSuchUpload");
  std::string other = StartUpload("k");
  HttpResponse abort = Send("DELETE", "/bkt/k", "uploadId=" + other);
  EXPECT_EQ(abort.status, 204);
  EXPECT_EQ(abort.body, "");
}

TEST_F(S3RestTest, MultipartChecksumsTravelInHeadersAndXml) {
  std::string id = StartUpload("k", {{"x-amz-checksum-algorithm", "CRC32"}});
  HttpResponse up = Send("GET", "/bkt", "uploads");
  EXPECT_EQ(Text(*Xml(up).Child("Upload"), "ChecksumAlgorithm"), "CRC32");
  std::string data = "part data";
  std::string crc = Checksum(ChecksumAlgorithm::kCrc32, data);
  HttpResponse part = Send("PUT", "/bkt/k", "partNumber=1&uploadId=" + id, data,
                           {{"x-amz-checksum-crc32", crc},
                            {"x-amz-sdk-checksum-algorithm", "CRC32"}});
  ASSERT_EQ(part.status, 200) << part.body;
  EXPECT_EQ(Header(part, "x-amz-checksum-crc32"), crc);
  XmlNode parts = Xml(Send("GET", "/bkt/k", "uploadId=" + id));
  EXPECT_EQ(Text(*parts.Child("Part"), "ChecksumCRC32"), crc);
  // A part whose checksum is not its data's.
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", "partNumber=2&uploadId=" + id, "x",
                           {{"x-amz-checksum-crc32", crc}}),
                      400),
            "BadDigest");
  HttpResponse done =
      Send("POST", "/bkt/k", "uploadId=" + id,
           "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
               Header(part, "ETag") + "</ETag><ChecksumCRC32>" + crc +
               "</ChecksumCRC32></Part></CompleteMultipartUpload>");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_TRUE(Text(Xml(done), "ChecksumCRC32").ends_with("-1")) << done.body;
  EXPECT_EQ(Text(Xml(done), "ChecksumType"), "COMPOSITE");
}

TEST_F(S3RestTest, CopyObjectDecodesTheSourceAndHonoursItsConditions) {
  HttpResponse put = Send("PUT", "/bkt/dir/a b+c", "", "bytes",
                          {{"Content-Type", "text/x"}, {"x-amz-meta-m", "1"}});
  std::string etag = Header(put, "ETag");
  HttpResponse copy = Send("PUT", "/bkt/copy", "", "",
                           {{"x-amz-copy-source", "/bkt/dir/a%20b%2Bc"}});
  ASSERT_EQ(copy.status, 200) << copy.body;
  XmlNode x = Xml(copy);
  EXPECT_EQ(x.name, "CopyObjectResult");
  EXPECT_EQ(Text(x, "ETag"), etag);
  EXPECT_NE(Text(x, "LastModified"), "<none>");
  HttpResponse got = Send("GET", "/bkt/copy");
  EXPECT_EQ(got.body, "bytes");
  EXPECT_EQ(Header(got, "Content-Type"), "text/x");
  EXPECT_EQ(Header(got, "x-amz-meta-m"), "1");

  // REPLACE takes the request's headers instead.
  copy = Send("PUT", "/bkt/copy2", "", "",
              {{"x-amz-copy-source", "bkt/dir/a%20b%2Bc"},
               {"x-amz-metadata-directive", "REPLACE"},
               {"Content-Type", "text/y"},
               {"x-amz-meta-n", "2"}});
  ASSERT_EQ(copy.status, 200) << copy.body;
  got = Send("HEAD", "/bkt/copy2");
  EXPECT_EQ(Header(got, "Content-Type"), "text/y");
  EXPECT_EQ(Header(got, "x-amz-meta-n"), "2");
  EXPECT_EQ(Header(got, "x-amz-meta-m"), "<none>");

  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/copy", "", "",
                           {{"x-amz-copy-source", "bkt/dir/a%20b%2Bc"},
                            {"x-amz-copy-source-if-match", "\"other\""}}),
                      412),
            "PreconditionFailed");
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/copy", "", "",
                           {{"x-amz-copy-source", "bkt/dir/a%20b%2Bc"},
                            {"x-amz-copy-source-if-none-match", etag}}),
                      412),
            "PreconditionFailed");
  EXPECT_EQ(Send("PUT", "/bkt/copy", "", "",
                 {{"x-amz-copy-source", "bkt/dir/a%20b%2Bc"},
                  {"x-amz-copy-source-if-match", etag}})
                .status,
            200);
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/copy", "", "",
                           {{"x-amz-copy-source", "bkt/missing"}}),
                      404),
            "NoSuchKey");
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/copy", "", "",
                           {{"x-amz-copy-source", "nobucketnokey"}}),
                      400),
            "InvalidArgument");
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/copy", "", "",
                           {{"x-amz-copy-source", "bkt/copy"},
                            {"x-amz-metadata-directive", "SOMETIMES"}}),
                      400),
            "InvalidArgument");
}

TEST_F(S3RestTest, DeleteObjectsNeedsAnIntegrityHeaderAndWellFormedXml) {
  Send("PUT", "/bkt/a", "", "1");
  Send("PUT", "/bkt/c", "", "2");
  std::string xml =
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Object><Key>a</Key></Object><Object><Key>missing</Key></Object>"
      "<Object><Key></Key></Object></Delete>";
  HttpResponse r =
      Send("POST", "/bkt", "delete", xml, {{"Content-MD5", Md5Header(xml)}});
  ASSERT_EQ(r.status, 200) << r.body;
  XmlNode x = Xml(r);
  EXPECT_EQ(x.name, "DeleteResult");
  std::vector<std::string> deleted, errors;
  for (const XmlNode& c : x.children) {
    if (c.name == "Deleted") deleted.push_back(Text(c, "Key"));
    if (c.name == "Error") errors.push_back(Text(c, "Code"));
  }
  EXPECT_EQ(deleted, (std::vector<std::string>{"a", "missing"}));
  EXPECT_EQ(errors, (std::vector<std::string>{"InvalidArgument"}));
  EXPECT_EQ(ErrorCode(Send("GET", "/bkt/a"), 404), "NoSuchKey");

  // Quiet, with a checksum header instead of Content-MD5.
  std::string quiet =
      "<Delete><Quiet>true</Quiet><Object><Key>c</Key></Object></Delete>";
  r = Send(
      "POST", "/bkt", "delete", quiet,
      {{"x-amz-checksum-crc32", Checksum(ChecksumAlgorithm::kCrc32, quiet)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Xml(r).Child("Deleted"), nullptr);
  EXPECT_EQ(buckets_.ObjectCount("bkt"), 0u);

  EXPECT_EQ(ErrorCode(Send("POST", "/bkt", "delete", quiet), 400),
            "InvalidRequest");
  EXPECT_EQ(ErrorCode(Send("POST", "/bkt", "delete", quiet,
                           {{"Content-MD5", Md5Header("other")}}),
                      400),
            "BadDigest");
  EXPECT_EQ(ErrorCode(Send("POST", "/bkt", "delete", quiet,
                           {{"Content-MD5", "not-md5"}}),
                      400),
            "InvalidDigest");
  std::string bad = "<Delete><Object><Key>a</Key></Object>";
  EXPECT_EQ(ErrorCode(Send("POST", "/bkt", "delete", bad,
                           {{"Content-MD5", Md5Header(bad)}}),
                      400),
            "MalformedXML");
  std::string empty = "<Delete></Delete>";
  EXPECT_EQ(ErrorCode(Send("POST", "/bkt", "delete", empty,
                           {{"Content-MD5", Md5Header(empty)}}),
                      400),
            "MalformedXML");
}

TEST_F(S3RestTest, ListObjectsVersionOnePagesWithMarkers) {
  for (const char* k : {"a", "b", "d/1", "d/2", "e"})
    Send("PUT", "/bkt/" + std::string(k), "", "x");
  XmlNode page = Xml(Send("GET", "/bkt", "max-keys=2"));
  EXPECT_EQ(page.name, "ListBucketResult");
  EXPECT_EQ(Text(page, "IsTruncated"), "true");
  EXPECT_EQ(Text(page, "NextMarker"), "b");
  page = Xml(Send("GET", "/bkt", "marker=b&delimiter=/&max-keys=1"));
  EXPECT_EQ(Text(page, "Marker"), "b");
  EXPECT_EQ(Text(*page.Child("CommonPrefixes"), "Prefix"), "d/");
  EXPECT_EQ(Text(page, "NextMarker"), "d/");
  // Resuming after a common prefix skips the keys under it.
  page = Xml(Send("GET", "/bkt", "marker=d/&delimiter=/"));
  EXPECT_EQ(Text(page, "IsTruncated"), "false");
  EXPECT_EQ(Text(*page.Child("Contents"), "Key"), "e");
  EXPECT_EQ(page.Child("NextMarker"), nullptr);
}

TEST_F(S3RestTest, IntegrityHeadersOnPutAndChecksumModeOnGet) {
  std::string body = "hello";
  std::string sha = Checksum(ChecksumAlgorithm::kSha256, body);
  HttpResponse put = Send("PUT", "/bkt/k", "", body,
                          {{"Content-MD5", Md5Header(body)},
                           {"x-amz-checksum-sha256", sha},
                           {"Expires", "Thu, 01 Jan 2037 00:00:00 GMT"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Header(put, "x-amz-checksum-sha256"), sha);
  HttpResponse head =
      Send("HEAD", "/bkt/k", "", "", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(Header(head, "x-amz-checksum-sha256"), sha);
  EXPECT_EQ(Header(head, "x-amz-checksum-type"), "FULL_OBJECT");
  EXPECT_EQ(Header(head, "Expires"), "Thu, 01 Jan 2037 00:00:00 GMT");
  // Without the mode, no checksum.
  EXPECT_EQ(Header(Send("GET", "/bkt/k"), "x-amz-checksum-sha256"), "<none>");
  // Default: CRC64NVME.
  Send("PUT", "/bkt/plain", "", body);
  HttpResponse got =
      Send("GET", "/bkt/plain", "", "", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(Header(got, "x-amz-checksum-crc64nvme"),
            Checksum(ChecksumAlgorithm::kCrc64Nvme, body));

  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", "", body,
                           {{"Content-MD5", Md5Header("other")}}),
                      400),
            "BadDigest");
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", "", body,
                           {{"x-amz-checksum-crc32",
                             Checksum(ChecksumAlgorithm::kCrc32, "other")}}),
                      400),
            "BadDigest");
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", "", body,
                           {{"x-amz-checksum-crc32", "short"}}),
                      400),
            "InvalidRequest");
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", "", body,
                           {{"x-amz-sdk-checksum-algorithm", "ADLER"}}),
                      400),
            "InvalidRequest");
  std::string big_meta(3000, 'm');
  EXPECT_EQ(
      ErrorCode(Send("PUT", "/bkt/k", "", body, {{"x-amz-meta-big", big_meta}}),
                400),
      "MetadataTooLarge");
  // Nothing changed.
  EXPECT_EQ(Send("GET", "/bkt/k").body, body);
}

TEST_F(S3RestTest, ConditionalReadsAndWrites) {
  clock_.Advance(std::chrono::hours(24 * 365 * 50));
  std::string etag = Header(Send("PUT", "/bkt/k", "", "v1"), "ETag");
  HttpResponse r = Send("GET", "/bkt/k", "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(
      ErrorCode(Send("GET", "/bkt/k", "", "", {{"If-Match", "\"x\""}}), 412),
      "PreconditionFailed");
  EXPECT_EQ(Send("GET", "/bkt/k", "", "", {{"If-Match", etag}}).status, 200);
  EXPECT_EQ(Send("GET", "/bkt/k", "", "",
                 {{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}})
                .status,
            304);
  EXPECT_EQ(Send("GET", "/bkt/k", "", "",
                 {{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}})
                .status,
            200);
  EXPECT_EQ(
      ErrorCode(
          Send("GET", "/bkt/k", "", "",
               {{"If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}),
          412),
      "PreconditionFailed");
  // A date that does not parse is ignored, as HTTP says.
  EXPECT_EQ(Send("GET", "/bkt/k", "", "", {{"If-Modified-Since", "yesterday"}})
                .status,
            200);
  HttpResponse head = Send("HEAD", "/bkt/k", "", "", {{"If-Match", "\"x\""}});
  EXPECT_EQ(head.status, 412);
  EXPECT_EQ(head.body, "");

  EXPECT_EQ(
      ErrorCode(Send("PUT", "/bkt/k", "", "v2", {{"If-None-Match", "*"}}), 412),
      "PreconditionFailed");
  EXPECT_EQ(Send("PUT", "/bkt/new", "", "v", {{"If-None-Match", "*"}}).status,
            200);
  EXPECT_EQ(
      ErrorCode(Send("PUT", "/bkt/k", "", "v2", {{"If-None-Match", etag}}),
                501),
      "NotImplemented");
  EXPECT_EQ(Send("PUT", "/bkt/k", "", "v2", {{"If-Match", etag}}).status, 200);
}

TEST_F(S3RestTest, AwsChunkedBodiesAreDecodedAndTheirTrailersChecked) {
  std::string data = "hello, chunked world";
  std::string crc = Checksum(ChecksumAlgorithm::kCrc32, data);
  HttpHeaders headers = {
      {"Content-Encoding", "aws-chunked"},
      {"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
      {"x-amz-decoded-content-length", std::to_string(data.size())},
      {"x-amz-trailer", "x-amz-checksum-crc32"},
      {"x-amz-sdk-checksum-algorithm", "CRC32"}};
  HttpResponse put = Send(
      "PUT", "/bkt/k", "",
      Chunked({"hello, ", "chunked world"}, {"x-amz-checksum-crc32:" + crc}),
      headers);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Header(put, "x-amz-checksum-crc32"), crc);
  HttpResponse got =
      Send("GET", "/bkt/k", "", "", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(got.body, data);
  EXPECT_EQ(Header(got, "Content-Encoding"), "<none>");
  EXPECT_EQ(Header(got, "x-amz-checksum-crc32"), crc);

  // Signed chunks, another content encoding kept.
  HttpHeaders signed_headers = {
      {"Content-Encoding", "aws-chunked, gzip"},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
      {"x-amz-decoded-content-length", std::to_string(data.size())}};
  put = Send("PUT", "/bkt/g", "", Chunked({data}, {}, true), signed_headers);
  ASSERT_EQ(put.status, 200) << put.body;
  got = Send("GET", "/bkt/g");
  EXPECT_EQ(got.body, data);
  EXPECT_EQ(Header(got, "Content-Encoding"), "gzip");

  // A trailer that is not the data's checksum.
  HttpResponse bad =
      Send("PUT", "/bkt/k", "",
           Chunked({data}, {"x-amz-checksum-crc32:" +
                            Checksum(ChecksumAlgorithm::kCrc32, "other")}),
           headers);
  EXPECT_EQ(ErrorCode(bad, 400), "BadDigest");
  // Truncated: the body stops inside a chunk.
  std::string whole = Chunked({data}, {"x-amz-checksum-crc32:" + crc});
  EXPECT_EQ(
      ErrorCode(Send("PUT", "/bkt/k", "", whole.substr(0, 10), headers), 400),
      "IncompleteBody");
  // A decoded length that is not the data's.
  HttpHeaders wrong = headers;
  wrong[2].second = "99";
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", "", whole, wrong), 400),
            "IncompleteBody");
  wrong[2].second = "lots";
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", "", whole, wrong), 400),
            "InvalidArgument");
  EXPECT_EQ(ErrorCode(Send("PUT", "/bkt/k", "", "zz\r\n", headers), 400),
            "InvalidRequest");
  // The object is still the first one.
  EXPECT_EQ(Send("GET", "/bkt/k").body, data);

  // Parts too.
  std::string id = StartUpload("mp");
  HttpResponse part =
      Send("PUT", "/bkt/mp", "partNumber=1&uploadId=" + id,
           Chunked({data}, {"x-amz-checksum-crc32:" + crc}), headers);
  ASSERT_EQ(part.status, 200) << part.body;
  EXPECT_EQ(
      Header(part, "ETag"), "\"" + [&] {
        std::string hex;
        for (unsigned char c : ChecksumDigest(ChecksumAlgorithm::kMd5, data)) {
          char b[3];
          snprintf(b, sizeof b, "%02x", c);
          hex += b;
        }
        return hex;
      }() + "\"");
}

}  // namespace
}  // namespace fanlab::api
