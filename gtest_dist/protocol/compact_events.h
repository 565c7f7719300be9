// The compact form of the two messages every test sends, test_started and
// test_finished (protocol.h documents the layout): written and read field by
// field, without building a JSON tree, since a run of 100,000 small tests
// sends 200,000 of them. Private to protocol.cc, which picks the form by a
// payload's first byte.
#ifndef GTEST_DIST_PROTOCOL_COMPACT_EVENTS_H_
#define GTEST_DIST_PROTOCOL_COMPACT_EVENTS_H_

#include <string>
#include <string_view>

#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {
namespace protocol {
namespace compact {

// True when `payload` is in the compact form (its first byte is a compact
// tag; a JSON payload starts with '{' or white space).
bool IsCompact(std::string_view payload);

// The payloads. Text that is not valid UTF-8 is replaced as the JSON form
// replaces it, so that either form delivers the same text.
std::string Encode(const TestStarted& message);
std::string Encode(const TestFinished& message);

// Decodes a compact payload. False with `error` naming the message, the
// field, the value and what is accepted, for anything malformed: an unknown
// tag, a field cut short, a value out of bounds, text that is not UTF-8,
// bytes after the last field.
bool Decode(std::string_view payload, Message* message, std::string* error);

// Whether `text` is valid UTF-8 as RFC 3629 defines it (what a JSON parser
// accepts); else the offset of the first bad byte in `bad_at`.
bool IsValidUtf8(std::string_view text, std::size_t* bad_at);

}  // namespace compact
}  // namespace protocol
}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_COMPACT_EVENTS_H_
