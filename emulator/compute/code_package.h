// Lambda deployment packages: the bytes of a .zip (Code.ZipFile, decoded
// from base64, or the object Code.S3Bucket/S3Key names) unpacked into the
// directory a function runs from (LAMBDA_TASK_ROOT), once per package.
// code_package.cc is the only file that knows libzip.
//
// Layout under the store's root:
//
//   <root>/<sha256 of the zip, 64 hex digits>/   one unpacked package
//   <root>/.tmp-<hex>-<pid>-<n>/                 one being unpacked
//
// A package is keyed by its SHA-256, so the same zip given twice (two
// functions, or UpdateFunctionCode with unchanged code) is unpacked once
// and its directory shared. It is unpacked into a fresh temporary
// directory and renamed into place in one step, so a directory named by a
// hash is always whole: a half-unpacked package is never used, and a
// refused one leaves nothing behind. Packages are never removed by the
// store (the root belongs to the emulator's data dir or a temp dir).
//
// What is refused, with Lambda's error shapes and messages:
//
//   - zipped size over `max_zipped_bytes` (50 MB) for a direct upload:
//     RequestEntityTooLargeException "Request must be smaller than
//     69905067 bytes for the CreateFunction operation" (Lambda counts the
//     request, whose ZipFile is base64: 4/3 of the zip; the number is that
//     of the limit, the operation the one given). A package read from S3
//     has no zipped limit, as in Lambda.
//   - unzipped size over `max_unzipped_bytes` (250 MB):
//     InvalidParameterValueException "Unzipped size must be smaller than
//     262144000 bytes". The sizes the archive declares are checked first,
//     but never trusted: the bytes actually written are counted while
//     unpacking and the unpacking stops as soon as they pass the limit
//     (a zip bomb declares small sizes and inflates to gigabytes).
//   - everything else: InvalidParameterValueException "Could not unzip
//     uploaded file. Please check your file, then try to upload again."
//     (Lambda's words), followed by fanlab's reason in parentheses:
//       - not a zip archive, or damaged (libzip's reason: "Not a zip
//         archive", "CRC error", ...), or an encrypted entry;
//       - more than `max_entries` entries (Lambda documents no such
//         limit; fanlab's keeps an archive of empty files from making
//         millions of inodes);
//       - an entry name that is absolute ("/etc/x") or has a ".."
//         component ("../evil", "a/../../b"): zip-slip;
//       - a symbolic link whose target is absolute, or that resolves
//         (following the package's other links, as the kernel would)
//         outside the package's directory, or loops; an entry inside a
//         symbolic link of the package ("link/file");
//       - an entry that is neither a file, a directory nor a symbolic
//         link (a device, a FIFO).
//
// Symbolic links that stay inside the package are kept (node_modules/.bin
// uses them). Permissions: every file is made readable (0644), and
// executable too (0755) when the zip gives it any execute bit, so that a
// `bootstrap` zipped with 0755 stays executable; directories are 0755.
// An archive made without Unix attributes (on Windows) has no executable
// file. Owners and times are not kept. "." components and a leading "./"
// are dropped. An entry given twice is written twice (the last wins).
//
// Thread safety: a store holds no mutable state; any number of threads,
// and processes, may unpack into one root at once (the rename decides;
// the loser's copy is removed and the winner's used).
#ifndef FANLAB_EMULATOR_COMPUTE_CODE_PACKAGE_H_
#define FANLAB_EMULATOR_COMPUTE_CODE_PACKAGE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/core/status.h"

namespace fanlab::compute {

// Limits, Lambda's quotas by default.
struct CodePackageOptions {
  uint64_t max_zipped_bytes = 52'428'800;     // 50 MB, direct uploads only
  uint64_t max_unzipped_bytes = 262'144'000;  // 250 MB, every package
  uint64_t max_entries = 100'000;             // fanlab's own
};

// Where the zip came from: the zipped-size limit applies to direct
// uploads only.
enum class CodeSource { kZipFile, kS3Object };

// An unpacked package, as GetFunction reports it.
struct CodePackage {
  std::string directory;    // absolute: LAMBDA_TASK_ROOT
  std::string code_sha256;  // CodeSha256: the zip's SHA-256, base64
  int64_t code_size = 0;    // CodeSize: the zip's size in bytes
  // True when this call unpacked it; false when it was already there.
  bool unpacked = false;
};

class CodePackageStore {
 public:
  // A store unpacking under `root` (created, with its parents, on the
  // first Unpack). A relative root is made absolute against the current
  // directory now.
  explicit CodePackageStore(std::string root, CodePackageOptions options = {});

  // The package `zip` unpacked: found under the root when a package with
  // the same SHA-256 was unpacked before, else unpacked now. `operation`
  // ("CreateFunction", "UpdateFunctionCode") names the request in the
  // too-large error. Errors as the file comment lists; InternalError (with
  // the OS's reason) when the root cannot be written.
  [[nodiscard]] Result<CodePackage> Unpack(
      std::string_view zip, CodeSource source = CodeSource::kZipFile,
      std::string_view operation = "CreateFunction") const;

  const std::string& root() const { return root_; }
  const CodePackageOptions& options() const { return options_; }

 private:
  std::string root_;
  CodePackageOptions options_;
};

// The first sentence of the error for a package that cannot be unpacked
// (Lambda's wording); fanlab's reason follows it in parentheses.
inline constexpr std::string_view kCouldNotUnzip =
    "Could not unzip uploaded file. Please check your file, then try to "
    "upload again.";

}  // namespace fanlab::compute

#endif  // FANLAB_EMULATOR_COMPUTE_CODE_PACKAGE_H_
