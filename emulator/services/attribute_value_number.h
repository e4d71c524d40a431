// DynamoDB numbers, exactly: decimal strings of up to 38 significant digits,
// magnitude between 1E-130 and 9.99...E+125, compared and added as decimals
// (never through a double, which would turn 0.1 + 0.2 into
// 0.30000000000000004 and make 2^53 + 1 equal to 2^53).
//
// A number is held as its canonical text: plain notation (no exponent), no
// leading zeros, no trailing fractional zeros, "-" only for negatives, "0"
// for zero. "1.50", "015E-1" and "1.5" all canonicalise to "1.5", so two
// numbers are equal exactly when their canonical texts are, and DynamoDB
// likewise answers with the canonical form of what was stored.
//
// Thread safety: free functions on values.
#ifndef FANLAB_EMULATOR_SERVICES_ATTRIBUTE_VALUE_NUMBER_H_
#define FANLAB_EMULATOR_SERVICES_ATTRIBUTE_VALUE_NUMBER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "emulator/core/status.h"

namespace fanlab::services {

inline constexpr int kMaxNumberDigits = 38;
inline constexpr int kMaxNumberExponent = 125;   // largest: 9.99..E+125
inline constexpr int kMinNumberExponent = -130;  // smallest: 1E-130

// The canonical text of `text`, which is read as Java's BigDecimal reads
// it: an optional sign, digits with at most one '.', at least one digit,
// and an optional exponent ('e' or 'E', optional sign, digits). No spaces,
// no hex, no NaN or Infinity.
// Errors (ValidationException, DynamoDB's wording):
//   "The parameter cannot be converted to a numeric value: <text>"
//   "Number overflow. Attempting to store a number with magnitude larger
//    than supported range"                          (>= 1E+126)
//   "Number underflow. Attempting to store a number with magnitude smaller
//    than supported range"                          (nonzero, < 1E-130)
//   "Attempting to store more than 38 significant digits in a Number"
Result<std::string> CanonicalNumber(std::string_view text);

// True when `text` is already canonical (what CanonicalNumber returns).
bool IsCanonicalNumber(std::string_view text);

// -1, 0 or 1 as a < b, a == b, a > b numerically.
// REQUIRES: both canonical.
int CompareNumbers(std::string_view a, std::string_view b);

// a + b and a - b, exact. Errors as CanonicalNumber's when the result
// leaves DynamoDB's range or needs more than 38 significant digits.
// REQUIRES: both canonical.
Result<std::string> AddNumbers(std::string_view a, std::string_view b);
Result<std::string> SubtractNumbers(std::string_view a, std::string_view b);

// Significant digits of a canonical number (0 for "0"): what DynamoDB's
// item-size rule charges a number for (one byte per two digits, plus one).
size_t SignificantDigits(std::string_view canonical);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_ATTRIBUTE_VALUE_NUMBER_H_
