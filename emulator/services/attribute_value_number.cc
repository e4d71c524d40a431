#include "emulator/services/attribute_value_number.h"

#include <algorithm>
#include <cstdint>

#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

// value = (negative ? -1 : 1) * digits * 10^exponent, with `digits` free of
// leading and trailing zeros (empty for zero). Working on a digit string and
// a power of ten keeps every operation exact.
struct Decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;

  bool zero() const { return digits.empty(); }
  // The power of ten of the leading digit: 1.5 -> 0, 150 -> 2, 0.01 -> -2.
  int64_t adjusted() const {
    return exponent + static_cast<int64_t>(digits.size()) - 1;
  }
};

// Exponents beyond this are clamped: they overflow or underflow anyway, and
// clamping keeps the arithmetic below away from int64 wrap-around.
constexpr int64_t kExponentClamp = int64_t{1} << 40;

Status NotNumeric(std::string_view text) {
  return Status(dynamodb::kValidationException,
                "The parameter cannot be converted to a numeric value: " +
                    std::string(text));
}

// Strips leading zeros of `digits` and trailing zeros (moving them into the
// exponent), and makes zero positive.
void Normalize(Decimal& d) {
  size_t first = d.digits.find_first_not_of('0');
  if (first == std::string::npos) {
    d = Decimal();
    return;
  }
  d.digits.erase(0, first);
  size_t last = d.digits.find_last_not_of('0');
  d.exponent += static_cast<int64_t>(d.digits.size() - 1 - last);
  d.digits.resize(last + 1);
}

// Parses the BigDecimal syntax; nullopt-like false on bad syntax.
bool Parse(std::string_view s, Decimal& out) {
  size_t i = 0;
  out = Decimal();
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    out.negative = s[i] == '-';
    ++i;
  }
  bool any_digit = false;
  bool dot = false;
  int64_t fraction_digits = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      out.digits.push_back(c);
      if (dot) ++fraction_digits;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any_digit) return false;
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      exp_negative = s[i] == '-';
      ++i;
    }
    if (i >= s.size()) return false;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      exponent = std::min(exponent * 10 + (s[i] - '0'), kExponentClamp);
    }
    if (exp_negative) exponent = -exponent;
  }
  if (i != s.size()) return false;
  out.exponent = exponent - fraction_digits;
  Normalize(out);
  return true;
}

Status CheckRange(const Decimal& d) {
  if (d.zero()) return Status::Ok();
  if (d.adjusted() > kMaxNumberExponent) {
    return Status(dynamodb::kValidationException,
                  "Number overflow. Attempting to store a number with "
                  "magnitude larger than supported range");
  }
  if (d.adjusted() < kMinNumberExponent) {
    return Status(dynamodb::kValidationException,
                  "Number underflow. Attempting to store a number with "
                  "magnitude smaller than supported range");
  }
  if (d.digits.size() > static_cast<size_t>(kMaxNumberDigits)) {
    return Status(
        dynamodb::kValidationException,
        "Attempting to store more than 38 significant digits in a Number");
  }
  return Status::Ok();
}

// REQUIRES: CheckRange(d).ok(), so the text stays a few hundred bytes.
std::string Format(const Decimal& d) {
  if (d.zero()) return "0";
  std::string out = d.negative ? "-" : "";
  if (d.exponent >= 0) {
    out += d.digits;
    out.append(static_cast<size_t>(d.exponent), '0');
    return out;
  }
  size_t fraction = static_cast<size_t>(-d.exponent);
  if (d.digits.size() > fraction) {
    out.append(d.digits, 0, d.digits.size() - fraction);
    out += '.';
    out.append(d.digits, d.digits.size() - fraction, std::string::npos);
  } else {
    out += "0.";
    out.append(fraction - d.digits.size(), '0');
    out += d.digits;
  }
  return out;
}

Decimal ParseCanonical(std::string_view s) {
  Decimal d;
  Parse(s, d);
  return d;
}

// Magnitude comparison of two equal-length-or-not digit strings without
// leading zeros (as plain integers).
int CompareMagnitude(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string AddMagnitude(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (size_t i = 0; i < a.size() || i < b.size() || carry; ++i) {
    int da = i < a.size() ? a[a.size() - 1 - i] - '0' : 0;
    int db = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    int sum = da + db + carry;
    out.push_back(static_cast<char>('0' + sum % 10));
    carry = sum / 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// REQUIRES: a >= b as integers.
std::string SubtractMagnitude(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(a.size());
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int da = a[a.size() - 1 - i] - '0' - borrow;
    int db = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    borrow = da < db ? 1 : 0;
    out.push_back(static_cast<char>('0' + da + borrow * 10 - db));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Decimal Sum(Decimal a, Decimal b) {
  if (a.zero()) return b;
  if (b.zero()) return a;
  // Align both on the smaller exponent; canonical inputs keep the padding
  // within a few hundred digits.
  int64_t e = std::min(a.exponent, b.exponent);
  a.digits.append(static_cast<size_t>(a.exponent - e), '0');
  b.digits.append(static_cast<size_t>(b.exponent - e), '0');
  Decimal out;
  out.exponent = e;
  if (a.negative == b.negative) {
    out.negative = a.negative;
    out.digits = AddMagnitude(a.digits, b.digits);
  } else {
    int c = CompareMagnitude(a.digits, b.digits);
    if (c == 0) return Decimal();
    const Decimal& big = c > 0 ? a : b;
    const Decimal& small = c > 0 ? b : a;
    out.negative = big.negative;
    out.digits = SubtractMagnitude(big.digits, small.digits);
  }
  Normalize(out);
  return out;
}

Result<std::string> Checked(const Decimal& d) {
  if (Status s = CheckRange(d); !s.ok()) return s;
  return Format(d);
}

}  // namespace

Result<std::string> CanonicalNumber(std::string_view text) {
  Decimal d;
  if (!Parse(text, d)) return NotNumeric(text);
  return Checked(d);
}

bool IsCanonicalNumber(std::string_view text) {
  auto canonical = CanonicalNumber(text);
  return canonical.ok() && *canonical == text;
}

int CompareNumbers(std::string_view a, std::string_view b) {
  Decimal x = ParseCanonical(a);
  Decimal y = ParseCanonical(b);
  int sx = x.zero() ? 0 : (x.negative ? -1 : 1);
  int sy = y.zero() ? 0 : (y.negative ? -1 : 1);
  if (sx != sy) return sx < sy ? -1 : 1;
  if (sx == 0) return 0;
  // Same sign: compare magnitudes, then flip for negatives.
  int magnitude;
  if (x.adjusted() != y.adjusted()) {
    magnitude = x.adjusted() < y.adjusted() ? -1 : 1;
  } else {
    // Same leading power: digit strings compare lexicographically, a
    // shorter string being a prefix padded with zeros.
    int c = x.digits.compare(y.digits);
    magnitude = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return sx > 0 ? magnitude : -magnitude;
}

Result<std::string> AddNumbers(std::string_view a, std::string_view b) {
  return Checked(Sum(ParseCanonical(a), ParseCanonical(b)));
}

Result<std::string> SubtractNumbers(std::string_view a, std::string_view b) {
  Decimal y = ParseCanonical(b);
  if (!y.zero()) y.negative = !y.negative;
  return Checked(Sum(ParseCanonical(a), y));
}

size_t SignificantDigits(std::string_view canonical) {
  return ParseCanonical(canonical).digits.size();
}

}  // namespace fanlab::services
