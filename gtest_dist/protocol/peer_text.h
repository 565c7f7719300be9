// Text that came from a peer (a host name, a refusal's reason, an error that
// quotes a payload) made safe for one line of a log or a terminal: control
// characters, line and paragraph separators and bidirectional overrides are
// escaped, bytes that are not UTF-8 shown as \xNN, and the whole cut to a
// length. Whoever can reach a port must not be able to forge log lines,
// drive a terminal or fill a disk.
#ifndef GTEST_DIST_PROTOCOL_PEER_TEXT_H_
#define GTEST_DIST_PROTOCOL_PEER_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace gtest_dist {

// Peer text longer than this (after escaping) is cut, with the number of
// bytes left out.
constexpr std::size_t kMaxPeerTextBytes = 512;

std::string PeerText(std::string_view text, std::size_t max_bytes = kMaxPeerTextBytes);

}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_PEER_TEXT_H_
