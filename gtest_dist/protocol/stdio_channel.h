// The protocol over this process's own stdin and stdout (a worker started by
// ssh with --stdio). Frames must be the only bytes on stdout and nothing else
// may read stdin, so both move to private descriptors first.
#ifndef GTEST_DIST_PROTOCOL_STDIO_CHANNEL_H_
#define GTEST_DIST_PROTOCOL_STDIO_CHANNEL_H_

#include <string>

namespace gtest_dist {

// Moves stdin and stdout to new close-on-exec descriptors (*in, *out) for the
// frames, then puts /dev/null on descriptor 0 and a copy of stderr on
// descriptor 1: whatever this process or a child it starts later prints goes
// to stderr, and no child can read or write the channel. False, with the
// system's reason in `error`, when a descriptor cannot be made.
bool TakeStdioChannel(int* in, int* out, std::string* error);

}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_STDIO_CHANNEL_H_
