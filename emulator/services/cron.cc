#include "emulator/services/cron.h"

#include <array>
#include <bit>
#include <chrono>
#include <vector>

#include "emulator/core/ascii.h"
#include "emulator/services/events_errors.h"

namespace fanlab::services {
namespace {

namespace chr = std::chrono;

// What each of the six fields accepts (EventBridge's table, cron.h).
struct Field {
  std::string_view name;
  int min;
  int max;
  int max_step;
  std::string_view wildcards;  // the special characters it allows
  const std::string_view* names;
  int name_count;
  bool cyclic;  // a reversed range wraps around
};

constexpr std::string_view kMonthNames[] = {"JAN", "FEB", "MAR", "APR",
                                            "MAY", "JUN", "JUL", "AUG",
                                            "SEP", "OCT", "NOV", "DEC"};
constexpr std::string_view kDayNames[] = {"SUN", "MON", "TUE", "WED",
                                          "THU", "FRI", "SAT"};

enum FieldIndex { kMinutes, kHours, kDayOfMonth, kMonth, kDayOfWeek, kYear };

// Steps past the field's maximum are refused, as EventBridge refuses
// cron(*/60 * * * ? *).
constexpr Field kFields[] = {
    {"minutes", 0, 59, 59, ",-*/", nullptr, 0, true},
    {"hours", 0, 23, 23, ",-*/", nullptr, 0, true},
    {"day-of-month", 1, 31, 31, ",-*?/LW", nullptr, 0, true},
    {"month", 1, 12, 12, ",-*/", kMonthNames, 12, true},
    {"day-of-week", 1, 7, 7, ",-*?L#", kDayNames, 7, true},
    {"year", CronExpression::kMinYear, CronExpression::kMaxYear,
     CronExpression::kMaxYear - CronExpression::kMinYear, ",-*/", nullptr, 0,
     false},
};

// Values of one field, bit (value - min).
using ValueSet = std::bitset<256>;

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The lowest set bit at or above `from`, or -1.
int NextBit(uint64_t bits, int from) {
  if (from >= 64) return -1;
  uint64_t rest = bits & (~uint64_t{0} << from);
  return rest == 0 ? -1 : std::countr_zero(rest);
}

// Bits 1..last.
uint64_t DaysUpTo(unsigned last) {
  return ((uint64_t{1} << (last + 1)) - 1) & ~1ULL;
}

}  // namespace

// Turns the text into a CronExpression, field by field; every error names
// the expression, the field and the token.
class CronParser {
 public:
  explicit CronParser(std::string_view text) : text_(text) {}

  Result<CronExpression> Parse() {
    constexpr std::string_view kOpen = "cron(";
    if (text_.size() < kOpen.size() + 1 || text_.substr(0, 5) != kOpen ||
        text_.back() != ')') {
      return Fail(
          "a cron expression is cron(minutes hours day-of-month month "
          "day-of-week year)");
    }
    std::string_view inner = text_.substr(5, text_.size() - 6);
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < inner.size()) {
      if (inner[i] == ' ') {
        ++i;
        continue;
      }
      size_t end = inner.find(' ', i);
      if (end == std::string_view::npos) end = inner.size();
      fields.push_back(inner.substr(i, end - i));
      i = end;
    }
    if (fields.size() != 6) {
      return Fail(
          "expected 6 fields (minutes hours day-of-month month day-of-week "
          "year), found " +
          std::to_string(fields.size()));
    }

    CronExpression c;
    c.text_ = std::string(text_);
    ValueSet set;
    if (Status s = Plain(kFields[kMinutes], fields[0], set); !s.ok()) return s;
    c.minutes_ = set.to_ullong();
    if (Status s = Plain(kFields[kHours], fields[1], set); !s.ok()) return s;
    c.hours_ = set.to_ullong();
    if (Status s = Plain(kFields[kMonth], fields[3], set); !s.ok()) return s;
    c.months_ = set.to_ullong() << 1;
    if (Status s = Plain(kFields[kYear], fields[5], set); !s.ok()) return s;
    for (size_t y = 0; y < c.years_.size(); ++y) c.years_[y] = set[y];
    if (Status s = DayOfMonth(fields[2], c); !s.ok()) return s;
    if (Status s = DayOfWeek(fields[4], c); !s.ok()) return s;

    using Rule = CronExpression::DayRule;
    if (c.dom_rule_ == Rule::kAny && c.dow_rule_ == Rule::kAny) {
      return Fail("day-of-month and day-of-week can't both be '?'");
    }
    if (c.dom_rule_ != Rule::kAny && c.dow_rule_ != Rule::kAny) {
      return Fail(
          "one of day-of-month and day-of-week must be '?' (you can't "
          "specify both)");
    }
    return c;
  }

 private:
  Status Fail(std::string detail) const {
    return Status(events::kValidationException,
                  std::string(text_) + ": " + detail);
  }
  Status Bad(const Field& f, std::string_view token,
             std::string_view why) const {
    return Fail(std::string(f.name) + " '" + std::string(token) + "' " +
                std::string(why));
  }

  // Refuses a special character the field does not take. Letters are
  // checked only in fields without names (JUL holds an L, WED a W).
  Status Wildcards(const Field& f, std::string_view field) const {
    for (char c : std::string_view(",-*/?LW#")) {
      if (field.find(c) == std::string_view::npos) continue;
      if (f.names != nullptr && (c == 'L' || c == 'W')) continue;
      if (f.wildcards.find(c) == std::string_view::npos) {
        std::string allowed;
        for (char w : f.wildcards) {
          if (!allowed.empty()) allowed += ' ';
          allowed += w;
        }
        return Fail(std::string(f.name) + " doesn't allow '" + c + "' (in '" +
                    std::string(field) + "'; allowed: " + allowed + ")");
      }
    }
    return Status::Ok();
  }

  // A number in range, or (month, day-of-week) a name.
  Result<int> Value(const Field& f, std::string_view token) const {
    if (IsDigits(token)) {
      int v = token.size() > 4 ? -1 : std::stoi(std::string(token));
      if (v < f.min || v > f.max) {
        return Bad(f, token,
                   "is out of range " + std::to_string(f.min) + "-" +
                       std::to_string(f.max));
      }
      return v;
    }
    for (int i = 0; i < f.name_count; ++i) {
      if (EqualsIgnoringAsciiCase(token, f.names[i])) return f.min + i;
    }
    if (f.names != nullptr) {
      return Bad(f, token,
                 "is not a number or a name (" + std::string(f.names[0]) + "-" +
                     std::string(f.names[f.name_count - 1]) + ")");
    }
    return Bad(f, token, "is not a number");
  }

  // One comma-separated item: *, v, a-b, with an optional /step.
  Status Item(const Field& f, std::string_view item, ValueSet& set) const {
    if (item.empty()) return Fail(std::string(f.name) + " has an empty value");
    std::string_view range = item;
    int step = 1;
    size_t slash = item.find('/');
    if (slash != std::string_view::npos) {
      range = item.substr(0, slash);
      std::string_view s = item.substr(slash + 1);
      if (!IsDigits(s)) return Bad(f, item, "has a step that is not a number");
      step = s.size() > 4 ? 0 : std::stoi(std::string(s));
      if (step < 1 || step > f.max_step) {
        return Bad(f, item,
                   "has step " + std::string(s) + " out of range 1-" +
                       std::to_string(f.max_step));
      }
    }
    int lo = f.min;
    int hi = f.max;
    if (range != "*") {
      size_t dash = range.find('-');
      if (dash != std::string_view::npos) {
        Result<int> a = Value(f, range.substr(0, dash));
        if (!a.ok()) return a.status();
        Result<int> b = Value(f, range.substr(dash + 1));
        if (!b.ok()) return b.status();
        lo = *a;
        hi = *b;
      } else if (f.names == kDayNames && EqualsIgnoringAsciiCase(range, "L")) {
        lo = hi = 7;  // L alone in day-of-week: the week's last day
      } else {
        Result<int> a = Value(f, range);
        if (!a.ok()) return a.status();
        lo = *a;
        hi = slash != std::string_view::npos ? f.max : lo;
      }
    }
    int span = f.max - f.min + 1;
    int length = hi - lo;
    if (length < 0) {
      if (!f.cyclic) return Bad(f, range, "is a reversed range");
      length += span;
    }
    for (int offset = 0; offset <= length; offset += step) {
      set.set((lo - f.min + offset) % span);
    }
    return Status::Ok();
  }

  // A field of plain values: a comma-separated list of items.
  Status Plain(const Field& f, std::string_view field, ValueSet& set) const {
    set.reset();
    if (Status s = Wildcards(f, field); !s.ok()) return s;
    if (field.find('?') != std::string_view::npos) {
      return Fail(std::string(f.name) + " '" + std::string(field) +
                  "': '?' must be the field's whole value");
    }
    size_t start = 0;
    while (true) {
      size_t comma = field.find(',', start);
      std::string_view item = field.substr(
          start, comma == std::string_view::npos ? field.npos : comma - start);
      if (Status s = Item(f, item, set); !s.ok()) return s;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return Status::Ok();
  }

  Status DayOfMonth(std::string_view field, CronExpression& c) const {
    using Rule = CronExpression::DayRule;
    const Field& f = kFields[kDayOfMonth];
    if (Status s = Wildcards(f, field); !s.ok()) return s;
    if (field == "?") {
      c.dom_rule_ = Rule::kAny;
      return Status::Ok();
    }
    if (field == "L") {
      c.dom_rule_ = Rule::kLast;
      return Status::Ok();
    }
    if (field == "LW") {
      c.dom_rule_ = Rule::kLastWeekday;
      return Status::Ok();
    }
    if (field.size() > 1 && field.back() == 'W') {
      std::string_view day = field.substr(0, field.size() - 1);
      if (!IsDigits(day)) {
        return Bad(f, field, "is not valid: W takes a single day, as in 15W");
      }
      Result<int> v = Value(f, day);
      if (!v.ok()) return v.status();
      c.dom_rule_ = Rule::kNearestWeekday;
      c.dom_day_ = *v;
      return Status::Ok();
    }
    if (field.find_first_of("LW") != std::string_view::npos) {
      return Bad(f, field,
                 "is not valid: L, LW and nW must be the field's whole value");
    }
    ValueSet set;
    if (Status s = Plain(f, field, set); !s.ok()) return s;
    c.dom_rule_ = Rule::kSet;
    c.dom_ = set.to_ullong() << 1;
    return Status::Ok();
  }

  Status DayOfWeek(std::string_view field, CronExpression& c) const {
    using Rule = CronExpression::DayRule;
    const Field& f = kFields[kDayOfWeek];
    if (Status s = Wildcards(f, field); !s.ok()) return s;
    if (field == "?") {
      c.dow_rule_ = Rule::kAny;
      return Status::Ok();
    }
    if (size_t hash = field.find('#'); hash != std::string_view::npos) {
      if (field.find_first_of(",-*") != std::string_view::npos) {
        return Bad(f, field,
                   "is not valid: '#' allows one expression only (d#k)");
      }
      Result<int> day = Value(f, field.substr(0, hash));
      if (!day.ok()) return day.status();
      std::string_view k = field.substr(hash + 1);
      if (!IsDigits(k) || k.size() != 1 || k[0] < '1' || k[0] > '5') {
        return Bad(f, field, "is not valid: '#' takes a week number 1-5");
      }
      c.dow_rule_ = Rule::kNth;
      c.dow_day_ = *day;
      c.dow_nth_ = k[0] - '0';
      return Status::Ok();
    }
    // dL: a day then L ("6L", "FRIL"); a lone L in a list ("1,L") is a
    // value (Saturday) and goes the plain way.
    if (field.size() > 1 && (field.back() == 'L' || field.back() == 'l') &&
        field[field.size() - 2] != ',') {
      std::string_view day = field.substr(0, field.size() - 1);
      if (day.find_first_of(",-*/") != std::string_view::npos) {
        return Bad(f, field, "is not valid: dL takes a single day, as in 6L");
      }
      Result<int> v = Value(f, day);
      if (!v.ok()) return v.status();
      c.dow_rule_ = Rule::kLast;
      c.dow_day_ = *v;
      return Status::Ok();
    }
    ValueSet set;
    if (Status s = Plain(f, field, set); !s.ok()) return s;
    c.dow_rule_ = Rule::kSet;
    c.dow_ = set.to_ullong() << 1;
    return Status::Ok();
  }

  std::string_view text_;
};

Result<CronExpression> CronExpression::Parse(std::string_view text) {
  return CronParser(text).Parse();
}

uint64_t CronExpression::DaysOfMonth(int y, unsigned m) const {
  chr::year_month ym{chr::year{y}, chr::month{m}};
  unsigned last = unsigned((ym / chr::last).day());
  // Days of the week as 0 = Sunday; the cron field counts 1 = Sunday.
  unsigned first_wd = chr::weekday(chr::sys_days(ym / 1)).c_encoding();
  auto weekday_of = [&](unsigned d) { return (first_wd + d - 1) % 7; };

  uint64_t days = DaysUpTo(last);
  switch (dom_rule_) {
    case DayRule::kSet:
      days &= dom_;
      break;
    case DayRule::kLast:
      days = uint64_t{1} << last;
      break;
    case DayRule::kLastWeekday: {
      unsigned d = last;
      if (weekday_of(d) == 6)
        d -= 1;  // Saturday -> Friday
      else if (weekday_of(d) == 0)
        d -= 2;  // Sunday -> Friday
      days = uint64_t{1} << d;
      break;
    }
    case DayRule::kNearestWeekday: {
      unsigned d = static_cast<unsigned>(dom_day_);
      if (d > last) return 0;
      // Nearest weekday, never crossing into another month: a Saturday
      // the 1st moves on to Monday the 3rd, a Sunday the last back to
      // Friday.
      if (weekday_of(d) == 6)
        d = d == 1 ? 3 : d - 1;
      else if (weekday_of(d) == 0)
        d = d == last ? d - 2 : d + 1;
      days = uint64_t{1} << d;
      break;
    }
    default:
      break;
  }
  switch (dow_rule_) {
    case DayRule::kSet: {
      uint64_t match = 0;
      for (unsigned d = 1; d <= last; ++d) {
        if ((dow_ >> (weekday_of(d) + 1)) & 1) match |= uint64_t{1} << d;
      }
      days &= match;
      break;
    }
    case DayRule::kLast: {
      unsigned want = static_cast<unsigned>(dow_day_ - 1);
      unsigned d = last - (weekday_of(last) + 7 - want) % 7;
      days &= uint64_t{1} << d;
      break;
    }
    case DayRule::kNth: {
      unsigned want = static_cast<unsigned>(dow_day_ - 1);
      unsigned d = 1 + (want + 7 - first_wd) % 7 + 7 * (dow_nth_ - 1);
      days &= d <= last ? uint64_t{1} << d : 0;
      break;
    }
    default:
      break;
  }
  return days;
}

std::optional<TimePoint> CronExpression::NextAfter(TimePoint t) const {
  auto start = chr::floor<chr::minutes>(t) + chr::minutes(1);
  auto day0 = chr::floor<chr::days>(start);
  chr::year_month_day ymd(day0);
  int y = int(ymd.year());
  unsigned mo = unsigned(ymd.month());
  int d = static_cast<int>(unsigned(ymd.day()));
  auto since_midnight = start - day0;
  int h =
      static_cast<int>(chr::duration_cast<chr::hours>(since_midnight).count());
  int mi = static_cast<int>(since_midnight.count() % 60);
  if (y < kMinYear) {
    y = kMinYear;
    mo = 1;
    d = 1;
    h = 0;
    mi = 0;
  }
  // (mo, d, h, mi) is the lower bound inside the first year, month, day and
  // hour visited; every later unit starts from its beginning.
  for (; y <= kMaxYear; ++y, mo = 1, d = 1, h = 0, mi = 0) {
    if (!years_[y - kMinYear]) continue;
    for (; mo <= 12; ++mo, d = 1, h = 0, mi = 0) {
      if (((months_ >> mo) & 1) == 0) continue;
      uint64_t days = DaysOfMonth(y, mo);
      for (int dd = NextBit(days, d); dd >= 0;
           dd = NextBit(days, dd + 1), h = 0, mi = 0) {
        if (dd != d) h = mi = 0;
        for (int hh = NextBit(hours_, h); hh >= 0;
             hh = NextBit(hours_, hh + 1)) {
          int mm = NextBit(minutes_, hh == h ? mi : 0);
          if (mm < 0) continue;
          return TimePoint(chr::sys_days(chr::year{y} / chr::month{mo} /
                                         chr::day{static_cast<unsigned>(dd)}) +
                           chr::hours(hh) + chr::minutes(mm));
        }
      }
    }
  }
  return std::nullopt;
}

bool CronExpression::Matches(TimePoint t) const {
  auto minute = chr::floor<chr::minutes>(t);
  auto day0 = chr::floor<chr::days>(minute);
  chr::year_month_day ymd(day0);
  int y = int(ymd.year());
  if (y < kMinYear || y > kMaxYear || !years_[y - kMinYear]) return false;
  unsigned mo = unsigned(ymd.month());
  if (((months_ >> mo) & 1) == 0) return false;
  if (((DaysOfMonth(y, mo) >> unsigned(ymd.day())) & 1) == 0) return false;
  auto since_midnight = minute - day0;
  int h =
      static_cast<int>(chr::duration_cast<chr::hours>(since_midnight).count());
  int mi = static_cast<int>(since_midnight.count() % 60);
  return ((hours_ >> h) & 1) && ((minutes_ >> mi) & 1);
}

}  // namespace fanlab::services
