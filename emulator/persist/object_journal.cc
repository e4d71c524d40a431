#include "emulator/persist/object_journal.h"

#include <utility>

#include "emulator/persist/record.h"

namespace fanlab::persist {

ObjectJournal::KindId ObjectJournal::Register(Kind kind) {
  kinds_.push_back(Entry{std::move(kind), {}});
  return kinds_.size() - 1;
}

std::map<std::string, std::string> ObjectJournal::ListDiffed(
    const Entry& entry) const {
  std::map<std::string, std::string> out;
  entry.kind.list(
      [&](const std::string&, const std::string& key, std::string value) {
        out.insert_or_assign(key, std::move(value));
      });
  return out;
}

void ObjectJournal::Restore(
    const Image& image, const std::function<void(const std::string&)>& warn) {
  for (Entry& entry : kinds_) {
    const std::string& space = entry.kind.space;
    auto restore = [&](const std::string& in, const auto& objects) {
      for (const auto& [key, value] : objects) {
        if (Status s = entry.kind.restore(in, key, value); !s.ok()) {
          warn("the stored " + in + " object " + key +
               " is skipped: " + s.message());
        }
      }
    };
    if (entry.kind.diffed || !space.ends_with('/')) {
      restore(space, image.Space(space));
    } else {
      for (auto it = image.spaces.lower_bound(space);
           it != image.spaces.end() && it->first.starts_with(space); ++it) {
        restore(it->first, it->second);
      }
    }
    if (entry.kind.diffed) entry.written = ListDiffed(entry);
  }
}

void ObjectJournal::Sync(KindId id) {
  Entry& entry = kinds_.at(id);
  std::map<std::string, std::string> now = ListDiffed(entry);
  if (log_ != nullptr) {
    const std::string& space = entry.kind.space;
    for (const auto& [key, value] : now) {
      auto it = entry.written.find(key);
      if (it == entry.written.end() || it->second != value) {
        log_->Add(RecordKind::kPut, PutRecord{space, key, value});
      }
    }
    for (const auto& [key, value] : entry.written) {
      if (!now.contains(key)) {
        log_->Add(RecordKind::kErase, EraseRecord{space, key});
      }
    }
  }
  entry.written = std::move(now);
}

void ObjectJournal::Put(const std::string& space, const std::string& key,
                        std::string value) {
  if (log_ == nullptr) return;
  log_->Add(RecordKind::kPut, PutRecord{space, key, std::move(value)});
}

void ObjectJournal::Erase(const std::string& space, const std::string& key) {
  if (log_ == nullptr) return;
  log_->Add(RecordKind::kErase, EraseRecord{space, key});
}

void ObjectJournal::EraseSpace(const std::string& space) {
  if (log_ == nullptr) return;
  log_->Add(RecordKind::kEraseSpace, EraseRecord{space, ""});
}

void ObjectJournal::Dump(LogWriter& out) const {
  for (const Entry& entry : kinds_) {
    if (entry.kind.diffed) {
      for (const auto& [key, value] : entry.written) {
        out.Add(RecordKind::kPut, PutRecord{entry.kind.space, key, value});
      }
      continue;
    }
    entry.kind.list([&](const std::string& space, const std::string& key,
                        std::string value) {
      out.Add(RecordKind::kPut, PutRecord{space, key, std::move(value)});
    });
  }
}

}  // namespace fanlab::persist
