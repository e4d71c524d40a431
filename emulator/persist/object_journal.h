// ObjectJournal: where the durable objects of every service other than the
// queue engine belong (functions, mappings, routes, sinks, tables and
// their items, topics with their subscriptions, rules with their targets,
// bucket notification configurations). Each sort of object is one
// registered Kind: a space of whole-object records (PutRecord, EraseRecord
// in record.h) with the owning service's encoding as the value, and how to
// list and re-create its objects. The journal writes the records, keeps
// the snapshot (Dump) and replays them (Restore); a kind only encodes and
// decodes.
//
// Two ways a kind's changes reach the log:
//   diffed    few objects (a topic, a rule): Sync(kind) lists them all and
//             writes those that differ from what was last written (Put) or
//             are gone (Erase). The caller runs it after every action that
//             may have changed one, before the action's answer is sent.
//   reported  many objects (a table's items): the service reports each
//             change as it happens (Put, Erase, EraseSpace); nothing is
//             compared or kept in memory. A reported kind may own a family
//             of spaces: every space starting with its `space` ("items/"
//             owns "items/orders", "items/users"), so a container's objects
//             are dropped with one EraseSpace.
//
// Restore re-creates the kinds in the order they were registered (a kind
// after the kinds it refers to). An object its kind cannot decode or
// re-create is skipped with a warning, never a refusal to start.
//
// Thread safety: none; one engine thread owns the journal.
#ifndef FANLAB_EMULATOR_PERSIST_OBJECT_JOURNAL_H_
#define FANLAB_EMULATOR_PERSIST_OBJECT_JOURNAL_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/status.h"
#include "emulator/persist/image.h"
#include "emulator/persist/log_writer.h"

namespace fanlab::persist {

class ObjectJournal {
 public:
  // Hands one object to the journal: its space, key and encoding.
  using Emit = std::function<void(const std::string& space,
                                  const std::string& key, std::string value)>;

  struct Kind {
    // The space of its records ("sns.topic"); for a reported kind, the
    // prefix of its family of spaces when it ends in '/'.
    std::string space;
    // Hands every live object to `emit`. A diffed kind's objects are all
    // in `space`.
    std::function<void(const Emit& emit)> list;
    // Re-creates one object from its record; an error is a warning and
    // the object is skipped.
    std::function<Status(const std::string& space, const std::string& key,
                         std::string_view value)>
        restore;
    bool diffed = true;  // false: reported (see above)
  };
  using KindId = size_t;

  // Records go to `log` (null: nowhere, until SetLog). Not owned.
  explicit ObjectJournal(LogWriter* log = nullptr) : log_(log) {}
  ObjectJournal(const ObjectJournal&) = delete;
  ObjectJournal& operator=(const ObjectJournal&) = delete;

  void SetLog(LogWriter* log) { log_ = log; }
  // Adds a kind; returns its id for Sync. Restore goes in this order.
  KindId Register(Kind kind);

  // Re-creates every kind's objects from `image`, in registration order,
  // and takes what the diffed kinds list afterwards as written. Warnings
  // go to `warn`.
  void Restore(const Image& image,
               const std::function<void(const std::string&)>& warn);
  // Writes what changed in a diffed kind since it was last written.
  void Sync(KindId kind);
  // A reported kind's changes: `space` must belong to a reported kind.
  void Put(const std::string& space, const std::string& key, std::string value);
  void Erase(const std::string& space, const std::string& key);
  void EraseSpace(const std::string& space);
  // Writes every object of every kind into `out` (a snapshot).
  void Dump(LogWriter& out) const;

 private:
  struct Entry {
    Kind kind;
    // A diffed kind: what was last written, by key.
    std::map<std::string, std::string> written;
  };
  std::map<std::string, std::string> ListDiffed(const Entry& entry) const;

  LogWriter* log_;
  std::vector<Entry> kinds_;
};

}  // namespace fanlab::persist

#endif  // FANLAB_EMULATOR_PERSIST_OBJECT_JOURNAL_H_
