// Lambda code packages (compute/code_package.h): a .zip unpacked into a
// store under a fresh temporary folder, with small limits (64 entries,
// 1 MiB unzipped) so that no input costs much. Whatever the zip holds,
// nothing may be written outside the store's root: the root sits three
// folders down a fresh temporary folder, and after each input each of those
// must hold the next one and nothing else (an entry escaping by up to four
// "../" would show). The package unpacked is removed again.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "emulator/compute/code_package.h"

namespace {

namespace fs = std::filesystem;

// The temporary folder, made on the first input and removed at exit.
const fs::path& Scratch() {
  static const fs::path* scratch = [] {
    std::string pattern =
        (fs::temp_directory_path() / "fanlab-fuzz-zip-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    auto* path = new fs::path(pattern);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(Scratch(), ec);
    });
    return path;
  }();
  return *scratch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fanlab;
  const fs::path root = Scratch() / "1" / "2" / "root";
  compute::CodePackageOptions options;
  options.max_entries = 64;
  options.max_unzipped_bytes = 1 << 20;
  compute::CodePackageStore store(root.string(), options);
  auto package =
      store.Unpack(std::string_view(reinterpret_cast<const char*>(data), size));

  std::error_code ec;
  for (fs::path level = root; level != Scratch();) {
    fs::path parent = level.parent_path();
    for (const fs::directory_entry& e : fs::directory_iterator(parent, ec)) {
      if (e.path() != level) {
        std::fprintf(stderr, "written outside the store: %s\n",
                     e.path().c_str());
        std::abort();
      }
    }
    level = parent;
  }
  // Nothing left behind but the packages.
  for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
    if (e.path().filename().string().starts_with(".tmp-")) {
      std::fprintf(stderr, "a temporary folder left behind: %s\n",
                   e.path().c_str());
      std::abort();
    }
  }
  if (package.ok()) fs::remove_all(package->directory, ec);
  return 0;
}
