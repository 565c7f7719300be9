#include "gtest_dist/protocol/compact_events.h"

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

namespace gtest_dist {
namespace protocol {
namespace compact {
namespace {

constexpr std::uint64_t kMaxInt64 = INT64_MAX;
constexpr std::uint32_t kMaxIndex = 1u << 30;  // as the JSON form's
constexpr unsigned char kRanFlag = 1;

// The frozen outcome codes of test_finished (protocol.h). FLAKY has none:
// only a supervisor assigns it.
constexpr Outcome kOutcomeByCode[] = {Outcome::kPassed,  Outcome::kFailed,  Outcome::kSkipped,
                                      Outcome::kCrashed, Outcome::kTimeout, Outcome::kNotRun};
constexpr std::uint8_t kOutcomeCodes = sizeof kOutcomeByCode / sizeof kOutcomeByCode[0];

std::uint8_t OutcomeCode(Outcome outcome) {
  for (std::uint8_t code = 0; code < kOutcomeCodes; ++code) {
    if (kOutcomeByCode[code] == outcome) return code;
  }
  // FLAKY (or a value cast from an out-of-range integer) is no worker's to
  // send; the receiver refuses it, as it refuses "FLAKY" in JSON.
  return kOutcomeCodes;
}

void PutU8(std::string* out, std::uint8_t value) { out->push_back(static_cast<char>(value)); }

void PutU32(std::string* out, std::uint32_t value) {
  const char bytes[4] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                         static_cast<char>(value >> 8), static_cast<char>(value)};
  out->append(bytes, 4);
}

void PutU64(std::string* out, std::uint64_t value) {
  PutU32(out, static_cast<std::uint32_t>(value >> 32));
  PutU32(out, static_cast<std::uint32_t>(value));
}

// What the JSON form delivers for `text`: the same bytes when they are UTF-8,
// else each bad sequence replaced by U+FFFD exactly as its serialiser does
// (rare: a test printed binary). Asking the serialiser itself keeps the two
// forms from drifting apart.
std::string AsJsonDelivers(const std::string& text) {
  const std::string dumped =
      nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(dumped).get<std::string>();
}

void PutText(std::string* out, const std::string& text) {
  std::size_t bad_at = 0;
  if (IsValidUtf8(text, &bad_at)) {
    PutU32(out, static_cast<std::uint32_t>(text.size()));
    out->append(text);
    return;
  }
  const std::string replaced = AsJsonDelivers(text);
  PutU32(out, static_cast<std::uint32_t>(replaced.size()));
  out->append(replaced);
}

// Thrown by Reader; Decode turns it into the error.
struct CompactError {
  std::string what;
};

// Reads the fields of one payload in order, each checked against what is
// left of it and against its bounds.
class Reader {
 public:
  explicit Reader(std::string_view payload) : payload_(payload) {}

  std::uint8_t U8(const char* field) {
    Need(field, 1);
    return static_cast<std::uint8_t>(payload_[at_++]);
  }

  std::uint32_t U32(const char* field) {
    Need(field, 4);
    const auto* p = reinterpret_cast<const unsigned char*>(payload_.data() + at_);
    at_ += 4;
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
           std::uint32_t{p[3]};
  }

  std::uint64_t U64(const char* field) {
    Need(field, 8);
    const std::uint64_t high = U32(field);
    return high << 32 | U32(field);
  }

  // An integer field of at most `max`.
  std::uint64_t Bounded(const char* field, std::uint64_t value, std::uint64_t max) {
    if (value > max) {
      throw CompactError{std::string("field \"") + field + "\" = " + std::to_string(value) +
                         " is outside [0, " + std::to_string(max) + "]"};
    }
    return value;
  }

  std::string Text(const char* field) {
    const std::uint32_t size = U32(field);
    if (size > payload_.size() - at_) {
      throw CompactError{std::string("field \"") + field + "\" announces " + std::to_string(size) +
                         " bytes; " + std::to_string(payload_.size() - at_) +
                         " are left in the payload"};
    }
    const std::string_view text = payload_.substr(at_, size);
    std::size_t bad_at = 0;
    if (!IsValidUtf8(text, &bad_at)) {
      throw CompactError{std::string("field \"") + field + "\" is not valid UTF-8 (byte " +
                         std::to_string(bad_at) + " of " + std::to_string(size) + ")"};
    }
    at_ += size;
    return std::string(text);
  }

  std::size_t left() const { return payload_.size() - at_; }

  void End() const {
    if (at_ != payload_.size()) {
      throw CompactError{std::to_string(payload_.size() - at_) +
                         " bytes follow the last field; the layout has none"};
    }
  }

 private:
  void Need(const char* field, std::size_t bytes) const {
    if (payload_.size() - at_ < bytes) {
      throw CompactError{std::string("field \"") + field + "\" is cut short (" +
                         std::to_string(bytes) + " bytes needed, " +
                         std::to_string(payload_.size() - at_) + " left)"};
    }
  }

  std::string_view payload_;
  std::size_t at_ = 1;  // after the tag byte
};

TestStarted DecodeStarted(Reader* in) {
  TestStarted m;
  m.chunk_id = static_cast<std::int64_t>(in->Bounded("chunk_id", in->U64("chunk_id"), kMaxInt64));
  m.index = static_cast<int>(in->Bounded("index", in->U32("index"), kMaxIndex));
  m.output_before = in->Text("output_before");
  in->End();
  return m;
}

TestFinished DecodeFinished(Reader* in) {
  TestFinished m;
  m.chunk_id = static_cast<std::int64_t>(in->Bounded("chunk_id", in->U64("chunk_id"), kMaxInt64));
  TestRecord& r = m.record;
  r.index = static_cast<int>(in->Bounded("index", in->U32("index"), kMaxIndex));
  const std::uint8_t outcome = in->U8("outcome");
  if (outcome >= kOutcomeCodes) {
    throw CompactError{"field \"outcome\" has unknown code " + std::to_string(outcome) + " (0 to " +
                       std::to_string(kOutcomeCodes - 1) + "; FLAKY only a supervisor assigns)"};
  }
  r.outcome = kOutcomeByCode[outcome];
  const std::uint8_t flags = in->U8("flags");
  if ((flags & ~kRanFlag) != 0) {
    throw CompactError{"field \"flags\" = " + std::to_string(flags) +
                       " sets bits other than 1 (\"ran\")"};
  }
  r.ran = (flags & kRanFlag) != 0;
  r.elapsed_ms =
      static_cast<std::int64_t>(in->Bounded("elapsed_ms", in->U64("elapsed_ms"), kMaxInt64));
  r.start_timestamp_ms = static_cast<std::int64_t>(
      in->Bounded("start_timestamp_ms", in->U64("start_timestamp_ms"), kMaxInt64));
  r.cleared_parts =
      static_cast<int>(in->Bounded("cleared_parts", in->U32("cleared_parts"), kMaxIndex));
  const std::uint32_t properties = in->U32("properties");
  // Each property takes at least its two counts: what the payload can hold
  // bounds the vector before it is reserved.
  if (properties > in->left() / 8) {
    throw CompactError{"field \"properties\" announces " + std::to_string(properties) +
                       " properties; the payload has room for at most " +
                       std::to_string(in->left() / 8)};
  }
  r.properties.reserve(properties);
  for (std::uint32_t i = 0; i < properties; ++i) {
    std::string name = in->Text("properties");
    r.properties.emplace_back(std::move(name), in->Text("properties"));
  }
  r.output_after = in->Text("output_after");
  r.worker = in->Text("worker");
  r.reason = in->Text("reason");
  in->End();
  return m;
}

}  // namespace

bool IsCompact(std::string_view payload) {
  return !payload.empty() && (static_cast<unsigned char>(payload[0]) == kCompactTestStarted ||
                              static_cast<unsigned char>(payload[0]) == kCompactTestFinished);
}

std::string Encode(const TestStarted& m) {
  std::string out;
  out.reserve(1 + 8 + 4 + 4 + m.output_before.size());
  PutU8(&out, kCompactTestStarted);
  PutU64(&out, static_cast<std::uint64_t>(m.chunk_id));
  PutU32(&out, static_cast<std::uint32_t>(m.index));
  PutText(&out, m.output_before);
  return out;
}

std::string Encode(const TestFinished& m) {
  const TestRecord& r = m.record;
  std::size_t size = 1 + 8 + 4 + 1 + 1 + 8 + 8 + 4 + 4 + 4 * 3 + r.output_after.size() +
                     r.worker.size() + r.reason.size();
  for (const Property& property : r.properties) {
    size += 8 + property.first.size() + property.second.size();
  }
  std::string out;
  out.reserve(size);
  PutU8(&out, kCompactTestFinished);
  PutU64(&out, static_cast<std::uint64_t>(m.chunk_id));
  PutU32(&out, static_cast<std::uint32_t>(r.index));
  PutU8(&out, OutcomeCode(r.outcome));
  PutU8(&out, r.ran ? kRanFlag : 0);
  PutU64(&out, static_cast<std::uint64_t>(r.elapsed_ms));
  PutU64(&out, static_cast<std::uint64_t>(r.start_timestamp_ms));
  PutU32(&out, static_cast<std::uint32_t>(r.cleared_parts));
  PutU32(&out, static_cast<std::uint32_t>(r.properties.size()));
  for (const Property& property : r.properties) {
    PutText(&out, property.first);
    PutText(&out, property.second);
  }
  PutText(&out, r.output_after);
  PutText(&out, r.worker);
  PutText(&out, r.reason);
  return out;
}

bool Decode(std::string_view payload, Message* message, std::string* error) {
  const char* type = "test_started";
  try {
    if (!IsCompact(payload)) {
      throw CompactError{"unknown compact message tag " +
                         (payload.empty()
                              ? std::string("(empty payload)")
                              : std::to_string(static_cast<unsigned char>(payload[0])))};
    }
    Reader in(payload);
    if (static_cast<unsigned char>(payload[0]) == kCompactTestStarted) {
      *message = DecodeStarted(&in);
    } else {
      type = "test_finished";
      *message = DecodeFinished(&in);
    }
    return true;
  } catch (const CompactError& e) {
    *error = std::string("compact \"") + type + "\" message: " + e.what;
    return false;
  }
}

bool IsValidUtf8(std::string_view text, std::size_t* bad_at) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Eight ASCII bytes at a time: test output is mostly ASCII.
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    // The well-formed sequences of RFC 3629 (Unicode table 3-7): no overlong
    // forms, no surrogates, nothing above U+10FFFF.
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // the second byte's range
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else {
      *bad_at = i;
      return false;
    }
    if (n - i < length || p[i + 1] < low || p[i + 1] > high) {
      *bad_at = i;
      return false;
    }
    for (std::size_t k = 2; k < length; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xbf) {
        *bad_at = i;
        return false;
      }
    }
    i += length;
  }
  return true;
}

}  // namespace compact
}  // namespace protocol
}  // namespace gtest_dist
